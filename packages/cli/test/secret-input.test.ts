/**
 * Every way an OTP secret reaches `hkey accounts add`: stdin, argv (with a warning), an otpauth URI from stdin or
 * a file, and QR codes in PNG and JPEG screenshots generated here. Bad input is refused before anything is
 * written, naming the field; the secret scan at the end checks no secret ever came back out.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase32, encodeBase32, hotp, totp } from '@hkey/protocol';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, type Sim, hkey, startSim, transcript } from './cli-harness.js';
import { filesUnder, findLeaks, freshSecret } from './secret-scan.js';

let dir: string;
let sim: Sim;
let transport: string;
const secrets: Uint8Array[] = [];
/** Input files hold secrets on purpose; the scan looks at everything else. */
const inputs = new Set<string>();

function secret(bytes = 20): string {
  const fresh = freshSecret(bytes);
  secrets.push(fresh.bytes);
  return fresh.base32;
}

async function input(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  inputs.add(path);
  return path;
}

const add = (args: string[], options?: Parameters<typeof hkey>[1]) => hkey(['--transport', transport, 'accounts', 'add', ...args], options);

async function accountCount(): Promise<number> {
  return (JSON.parse((await hkey(['--transport', transport, 'info', '--json'])).stdout) as { accountCount: number }).accountCount;
}

async function show(name: string): Promise<Record<string, unknown>> {
  return JSON.parse((await hkey(['--transport', transport, 'accounts', 'show', name, '--json'])).stdout) as Record<string, unknown>;
}

async function keyCode(name: string): Promise<{ code: string; counter?: number }> {
  return JSON.parse((await hkey(['--transport', transport, 'otp', name, '--json'])).stdout) as { code: string };
}

/** A QR code as RGBA pixels, drawn into a larger "screenshot" with other content around it. */
async function screenshot(text: string, options: { dark?: boolean } = {}): Promise<PNG> {
  const qr = PNG.sync.read(await QRCode.toBuffer(text, { type: 'png', scale: 5, margin: 4 }));
  const shot = new PNG({ width: qr.width + 400, height: qr.height + 240 });
  for (let y = 0; y < shot.height; y++) {
    for (let x = 0; x < shot.width; x++) {
      const index = (y * shot.width + x) * 4;
      // A page: light background, a grey header bar, the code in the middle.
      const inQr = x >= 200 && x < 200 + qr.width && y >= 160 && y < 160 + qr.height;
      let value = y < 60 ? 120 : 245;
      if (inQr) value = qr.data[((y - 160) * qr.width + (x - 200)) * 4] as number;
      if (options.dark) value = 255 - value;
      shot.data[index] = value;
      shot.data[index + 1] = value;
      shot.data[index + 2] = value;
      shot.data[index + 3] = 255;
    }
  }
  return shot;
}

const png = (image: PNG): Buffer => PNG.sync.write(image);
const jpg = (image: PNG): Buffer => jpeg.encode({ width: image.width, height: image.height, data: image.data }, 85).data;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-secrets-'));
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0']);
  transport = sim.transports[0]!;
});

afterAll(async () => {
  await sim?.stop();
});

describe('secret sources', { timeout: 90_000 }, () => {
  test('--secret-stdin and --secret-argv (which warns)', async () => {
    const fromStdin = secret();
    expect((await add(['--name', 'stdin', '--secret-stdin'], { stdin: `${fromStdin}\n` })).code).toBe(0);
    expect((await keyCode('stdin')).code).toMatch(/^\d{6}$/);
    const fromArgv = secret();
    const argv = await add(['--name', 'argv', '--secret-argv', fromArgv.toLowerCase()]);
    expect(argv.code).toBe(0);
    expect(argv.stderr).toMatch(/^warning: a secret on the command line is visible to other users/);
  });

  test('--uri-stdin and --uri-file take every parameter from the URI', async () => {
    const hotpSecret = secret(32);
    const uri = `otpauth://hotp/ACME%20Co:alice@acme.example?secret=${hotpSecret}&issuer=ACME%20Co&algorithm=SHA256&digits=8&counter=42`;
    const run = await add(['--uri-stdin', '--json'], { stdin: `${uri}\n` });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'ACME Co:alice@acme.example' });
    expect(await show('ACME Co:alice@acme.example')).toMatchObject({
      login: 'alice@acme.example',
      otp: { kind: 'HOTP', algorithm: 'SHA256', digits: 8, counter: 42 },
    });
    expect(await keyCode('ACME Co:alice@acme.example')).toMatchObject({
      counter: 42,
      code: hotp(decodeBase32(hotpSecret), 42, { algorithm: 'SHA256', digits: 8 }),
    });

    const totpSecret = secret();
    const file = await input('server.uri', `otpauth://totp/bob?secret=${totpSecret}&period=60&digits=7\n`);
    expect((await add(['--uri-file', file, '--name', 'from-file', '--digits', '7'])).code).toBe(0);
    expect(await show('from-file')).toMatchObject({ login: 'bob', otp: { kind: 'TOTP', digits: 7, period: 60 } });
  });

  test('QR codes in PNG and JPEG screenshots, light and dark', async () => {
    const cases: [string, (image: PNG) => Buffer, boolean][] = [
      ['qr.png', png, false],
      ['qr.jpg', jpg, false],
      ['qr-dark.png', png, true],
    ];
    for (const [file, encode, dark] of cases) {
      const base32 = secret();
      const uri = `otpauth://totp/Hideez%20Enterprise:${file}?secret=${base32}&issuer=Hideez%20Enterprise`;
      const path = await input(file, encode(await screenshot(uri, { dark })));
      const run = await add(['--qr', path, '--json']);
      expect(run.code, `${file}: ${run.stderr}`).toBe(0);
      const name = `Hideez Enterprise:${file}`;
      expect(JSON.parse(run.stdout)).toMatchObject({ name });
      const { code, validUntil } = (await keyCode(name)) as { code: string; validUntil: number };
      expect(code).toBe(totp(decodeBase32(base32), validUntil - 1));
    }
    // The Hideez Enterprise Server also shows the bare 32-character key; a QR code of it works too.
    const bare = secret();
    const path = await input('bare.png', png(await screenshot(bare)));
    expect((await add(['--qr', path, '--name', 'bare-qr'])).code).toBe(0);
  });
});

describe('bad input is refused before anything is written, naming the field', { timeout: 90_000 }, () => {
  test('base32, length, URI fields, conflicts, sources, images', async () => {
    const before = await accountCount();
    const good = secret();
    const cases: [string[], string, RegExp][] = [
      [['--name', 'x', '--secret-stdin'], `${good.slice(0, 10)}1${good.slice(11)}`, /not valid base32: it has an invalid character at position 10/],
      [['--name', 'x', '--secret-stdin'], encodeBase32(new Uint8Array(8)), /8 bytes; an OTP secret must be 10 to 64 bytes/],
      [['--name', 'x', '--secret-stdin'], '', /Nothing is piped|is empty/],
      [['--uri-stdin'], `otpauth://totp/a?secret=${good}&peroid=60`, /invalid at its parameter/],
      [['--uri-stdin'], `otpauth://totp/a?secret=${good}&digits=9`, /invalid at its digits/],
      [['--uri-stdin'], `otpauth://totp/a?secret=${good}&Digits=8`, /invalid at its Digits: .*lower case/],
      [['--uri-stdin'], `https://example.com/?secret=${good}`, /invalid at its scheme/],
      [['--uri-stdin'], `otpauth://totp/a?secret=${good.slice(0, 9)}`, /invalid at its secret/],
      [['--uri-stdin', '--digits', '8'], `otpauth://totp/a?secret=${good}`, /--digits contradicts the otpauth URI's digits parameter/],
      [['--uri-stdin', '--hotp'], `otpauth://totp/a?secret=${good}`, /--totp\/--hotp contradicts the otpauth URI's type/],
      [['--uri-stdin', '--counter', '3'], `otpauth://totp/a?secret=${good}`, /--counter applies to HOTP only/],
      [['--name', 'x', '--secret-stdin', '--secret-argv', good], '', /one way only/],
      [['--name', 'x', '--totp'], '', /need the secret/],
      [['--name', 'x', '--uri-file', join(dir, 'missing.uri')], '', /Cannot read .*missing\.uri/],
    ];
    const runs = await Promise.all(cases.map(([args, stdin]) => add(args, { stdin })));
    runs.forEach((run, index) => {
      const [args, , message] = cases[index]!;
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr.split('\n').filter(Boolean), args.join(' ')).toHaveLength(1);
    });

    const notImage = await input('notes.txt', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXP');
    const blank = await input('blank.png', png(new PNG({ width: 200, height: 200, fill: true })));
    const hello = await input('hello.png', png(await screenshot('hello, world! 1')));
    const truncated = await input('truncated.jpg', jpg(await screenshot(`otpauth://totp/a?secret=${good}`)).subarray(0, 300));
    const images: [string, RegExp][] = [
      [notImage, /not a PNG or JPEG image/],
      [blank, /No QR code found in .*blank\.png: crop the screenshot/],
      [hello, /holds neither an otpauth:\/\/ URI nor a base32 secret/],
      [truncated, /damaged or not a complete image|No QR code found/],
    ];
    const imageRuns = await Promise.all(images.map(([path]) => add(['--qr', path, '--name', 'x'])));
    imageRuns.forEach((run, index) => {
      const [path, message] = images[index]!;
      expect(run.code, path).toBe(2);
      expect(run.stderr, path).toMatch(message);
    });
    expect(await accountCount()).toBe(before);
  });
});

test('no secret used here appears in any output, written file or test suite file', { timeout: 60_000 }, async () => {
  const files = [...(await filesUnder(dir, (path) => inputs.has(path))), ...(await filesUnder(join(ROOT, 'packages/cli/test')))];
  expect(await findLeaks({ secrets, outputs: transcript, files })).toEqual([]);
});
