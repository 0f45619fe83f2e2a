/**
 * Reads the text of a QR code from a PNG or JPEG image, typically a screenshot of the server's enrollment page.
 * Errors never repeat what the code holds: it is usually an otpauth URI with a secret. The image's size is read
 * from its header and checked before it is decoded: a small compressed file can claim billions of pixels.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** The documented limit (`--qr` help): a screenshot of an 8K screen (33 megapixels) fits; anything larger is not a screenshot. */
export const MAX_QR_IMAGE_MEGAPIXELS = 40;
const MAX_PIXELS = MAX_QR_IMAGE_MEGAPIXELS * 1_000_000;

const startsWith = (bytes: Uint8Array, signature: readonly number[]): boolean => signature.every((byte, index) => bytes[index] === byte);

interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

interface Size {
  readonly width: number;
  readonly height: number;
}

/** PNG: the IHDR chunk comes first, right after the signature, with width and height as 32-bit big-endian numbers. */
function pngSize(bytes: Buffer): Size | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** Markers without a length field: TEM and the restart markers. */
const STANDALONE = (marker: number): boolean => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
/** Start-of-frame markers (SOF0 to SOF15 but DHT, JPG and DAC, which share the range). */
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** JPEG: walks the marker segments before the image data up to the frame header, which holds height and width. */
function jpegSize(bytes: Buffer): Size | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (STANDALONE(marker)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, or image data before any frame header
    const length = bytes.readUInt16BE(offset + 2);
    if (isStartOfFrame(marker))
      return offset + 9 <= bytes.length ? { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) } : undefined;
    offset += 2 + length;
  }
  return undefined;
}

/** Refuses an image whose header claims more pixels than the limit, or has no readable size, before decoding it. */
function checkSize(size: Size | undefined, file: string): void {
  if (size === undefined) throw new CliError('QR_IMAGE_UNREADABLE', `${file} is damaged or not a complete image: take the screenshot again.`);
  if (size.width * size.height > MAX_PIXELS) {
    throw new CliError(
      'QR_IMAGE_TOO_LARGE',
      `${file} is ${size.width}x${size.height} pixels, more than the ${MAX_QR_IMAGE_MEGAPIXELS}-megapixel limit: crop the screenshot to the QR code.`,
    );
  }
}

async function decodeImage(bytes: Buffer, file: string): Promise<Rgba> {
  const png = startsWith(bytes, PNG_SIGNATURE);
  const jpeg = !png && startsWith(bytes, JPEG_SIGNATURE);
  if (!png && !jpeg) throw new CliError('QR_IMAGE_FORMAT', `${file} is not a PNG or JPEG image: save the screenshot as PNG or JPEG.`);
  checkSize(png ? pngSize(bytes) : jpegSize(bytes), file);
  try {
    if (png) {
      const { PNG } = await import('pngjs');
      return PNG.sync.read(bytes);
    }
    const { decode } = await import('jpeg-js');
    // The decoder checks again, in case a later frame header claims more than the first.
    return decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_QR_IMAGE_MEGAPIXELS });
  } catch {
    throw new CliError('QR_IMAGE_UNREADABLE', `${file} is damaged or not a complete image: take the screenshot again.`);
  }
}

/** The text of the one QR code in the image at `file`. */
export async function readQrCode(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new CliError('QR_FILE', `Cannot read ${file}: check the path and its permissions.`);
  }
  const image = await decodeImage(bytes, file);
  // jsqr is CommonJS with an ES-style `default` export, which Node's interop puts one level down.
  const jsQR = (await import('jsqr')).default.default;
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  // Dark-mode pages show light modules on a dark background: try both.
  const code = jsQR(pixels, image.width, image.height, { inversionAttempts: 'attemptBoth' });
  if (code === null || code.data === '') {
    throw new CliError('QR_NOT_FOUND', `No QR code found in ${file}: crop the screenshot to the code, or take it again larger and sharper.`);
  }
  return code.data;
}
