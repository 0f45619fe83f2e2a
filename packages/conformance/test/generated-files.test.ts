/** The published vectors and the case list of docs/conformance.md are what the sources generate, and the reference agrees with the RFCs. */
import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { hotp, totp } from '@hkey/protocol';
import { generatedFiles } from '../src/generated/files.js';
import { RFC_SHA1_SECRET, RFC_TOTP_SECRETS, RFC_TOTP_TIMES } from '../src/cases/support/otp-expectations.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string): Promise<string> => readFile(new URL(path, root), 'utf8');

test('vectors/*.json and the case list of docs/conformance.md are up to date (npm run generate -w packages/conformance)', async () => {
  const files = await generatedFiles(await read('docs/conformance.md'));
  for (const [path, content] of Object.entries(files)) {
    expect(await read(path), `${path} is stale: run npm run generate -w packages/conformance`).toBe(content);
  }
});

interface HotpAppendix {
  readonly secretHex: string;
  readonly vectors: readonly { readonly counter: number; readonly code: string }[];
}
interface TotpAppendix {
  readonly secrets: Record<'SHA1' | 'SHA256' | 'SHA512', { readonly hex: string }>;
  readonly vectors: readonly { readonly time: number; readonly algorithm: 'SHA1' | 'SHA256' | 'SHA512'; readonly code: string }[];
}

// The values of the RFC appendices, kept by hand next to the generated vectors (the one place they are written down).
const appendix = async <T>(name: string): Promise<T> => JSON.parse(await read(`packages/conformance/vectors/${name}`)) as T;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('the inputs the OTP cases and vectors use are those of RFC 4226 and RFC 6238, and the reference gives their codes', async () => {
  const rfc4226 = await appendix<HotpAppendix>('rfc4226-hotp.json');
  expect(hex(RFC_SHA1_SECRET)).toBe(rfc4226.secretHex);
  for (const { counter, code } of rfc4226.vectors) expect(hotp(RFC_SHA1_SECRET, counter)).toBe(code);
  const rfc6238 = await appendix<TotpAppendix>('rfc6238-totp.json');
  expect([...new Set(rfc6238.vectors.map((vector) => vector.time))]).toEqual(RFC_TOTP_TIMES);
  for (const { time, algorithm, code } of rfc6238.vectors) {
    expect(hex(RFC_TOTP_SECRETS[algorithm])).toBe(rfc6238.secrets[algorithm].hex);
    expect(totp(RFC_TOTP_SECRETS[algorithm], time, { algorithm, digits: 8 })).toBe(code);
  }
});
