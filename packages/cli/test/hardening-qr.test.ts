/**
 * `--qr` reads an image's size from its header (PNG IHDR, JPEG SOFn) and refuses one over the documented limit
 * before decoding it: a PNG of a few hundred kilobytes can claim 30000x30000 pixels and inflate to gigabytes.
 * The decoders are wrapped in spies, so the test sees whether they ran at all.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, beforeEach, expect, test, vi } from 'vitest';
import { MAX_QR_IMAGE_MEGAPIXELS, readQrCode } from '../src/qr-image.js';

const decoders = vi.hoisted(() => ({ png: vi.fn(), jpeg: vi.fn() }));

vi.mock('pngjs', async (importOriginal) => {
  const real = await importOriginal<typeof import('pngjs')>();
  decoders.png.mockImplementation((bytes: Buffer) => real.PNG.sync.read(bytes));
  return { PNG: { sync: { read: decoders.png } } };
});

vi.mock('jpeg-js', async (importOriginal) => {
  const real = await importOriginal<typeof import('jpeg-js')>();
  decoders.jpeg.mockImplementation((bytes: Buffer, options: Parameters<typeof real.decode>[1]) => real.decode(bytes, options));
  return { decode: decoders.jpeg, default: { decode: decoders.jpeg } };
});

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-hardening-qr-'));
});

beforeEach(() => {
  decoders.png.mockClear();
  decoders.jpeg.mockClear();
});

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  // The CRC is left zero: the header check must refuse before anything reads that far.
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}

/** A PNG whose IHDR claims `width` x `height` RGBA pixels, followed by the first rows of zeros. */
function pngClaiming(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = deflateSync(Buffer.alloc((width * 4 + 1) * 64));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A baseline JPEG whose frame header (after an APP0 segment) claims `width` x `height`. */
function jpegClaiming(width: number, height: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const frame = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    0x01,
    0x22,
    0x00,
    0x02,
    0x11,
    0x01,
    0x03,
    0x11,
    0x01,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, frame, Buffer.from([0xff, 0xd9])]);
}

async function refusal(name: string, bytes: Buffer): Promise<{ error: { code?: string; message?: string }; elapsedMs: number }> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const started = performance.now();
  const error = (await readQrCode(path).then(
    () => ({}),
    (caught: unknown) => caught,
  )) as { code?: string; message?: string };
  return { error, elapsedMs: performance.now() - started };
}

test('a PNG whose IHDR says 30000x30000 is refused from its header, quickly, without decoding', async () => {
  const bomb = pngClaiming(30_000, 30_000);
  expect(bomb.length).toBeLessThan(300_000);
  const { error, elapsedMs } = await refusal('bomb.png', bomb);
  expect(error).toMatchObject({
    code: 'QR_IMAGE_TOO_LARGE',
    message: expect.stringMatching(/bomb\.png is 30000x30000 pixels, more than the 40-megapixel limit: crop the screenshot/),
  });
  expect(decoders.png).not.toHaveBeenCalled();
  expect(elapsedMs).toBeLessThan(1000);
});

test('a JPEG whose frame header claims 30000x30000 is refused without decoding', async () => {
  const { error } = await refusal('bomb.jpg', jpegClaiming(30_000, 30_000));
  expect(error).toMatchObject({ code: 'QR_IMAGE_TOO_LARGE' });
  expect(decoders.jpeg).not.toHaveBeenCalled();
});

test('the limit is the documented one: just over it is refused, a real QR screenshot is decoded', async () => {
  expect(MAX_QR_IMAGE_MEGAPIXELS).toBe(40);
  const over = await refusal('over.png', pngClaiming(8000, 5001));
  expect(over.error).toMatchObject({ code: 'QR_IMAGE_TOO_LARGE' });
  expect(decoders.png).not.toHaveBeenCalled();

  const { default: QRCode } = await import('qrcode');
  const path = join(dir, 'code.png');
  await writeFile(path, await QRCode.toBuffer('otpauth://totp/Example:alice?issuer=Example&secret=', { type: 'png' }));
  // Not a valid URI, which is fine: readQrCode returns the text, and the caller checks it.
  expect(await readQrCode(path)).toBe('otpauth://totp/Example:alice?issuer=Example&secret=');
  expect(decoders.png).toHaveBeenCalledTimes(1);
});

test('a PNG or JPEG without a readable size is refused as damaged', async () => {
  expect((await refusal('short.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).error).toMatchObject({ code: 'QR_IMAGE_UNREADABLE' });
  expect((await refusal('noframe.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).error).toMatchObject({ code: 'QR_IMAGE_UNREADABLE' });
  expect(decoders.png).not.toHaveBeenCalled();
  expect(decoders.jpeg).not.toHaveBeenCalled();
});
