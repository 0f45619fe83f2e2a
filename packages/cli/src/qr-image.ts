/**
 * Reads the text of a QR code from a PNG or JPEG image, typically a screenshot of the server's enrollment page.
 * Errors never repeat what the code holds: it is usually an otpauth URI with a secret.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** Screenshots of 8K screens still fit; anything larger is not a screenshot. */
const MAX_PIXELS = 64 * 1024 * 1024;

const startsWith = (bytes: Uint8Array, signature: readonly number[]): boolean => signature.every((byte, index) => bytes[index] === byte);

interface Rgba {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

async function decodeImage(bytes: Buffer, file: string): Promise<Rgba> {
  try {
    if (startsWith(bytes, PNG_SIGNATURE)) {
      const { PNG } = await import('pngjs');
      return PNG.sync.read(bytes);
    }
    if (startsWith(bytes, JPEG_SIGNATURE)) {
      const jpeg = await import('jpeg-js');
      return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1024 / 1024 });
    }
  } catch {
    throw new CliError('QR_IMAGE_UNREADABLE', `${file} is damaged or not a complete image: take the screenshot again.`);
  }
  throw new CliError('QR_IMAGE_FORMAT', `${file} is not a PNG or JPEG image: save the screenshot as PNG or JPEG.`);
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
  if (image.width * image.height > MAX_PIXELS) throw new CliError('QR_IMAGE_TOO_LARGE', `${file} is too large to scan: crop the screenshot to the QR code.`);
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
