/**
 * The secret scan: every OTP secret, PIN and password a test hands to hkey must never come back in any output
 * or in a file hkey wrote, in any common spelling (raw bytes, hex, base32, base64). The one exception by design
 * is `hkey enroll`, whose generated secret is not registered here.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeBase32 } from '@hkey/protocol';

/** A fresh random secret, so that no test file or fixture can contain it by accident. */
export function freshSecret(bytes = 20): { bytes: Uint8Array; base32: string } {
  const secret = new Uint8Array(randomBytes(bytes));
  return { bytes: secret, base32: encodeBase32(secret) };
}

function spellings(secret: Uint8Array): string[] {
  const buffer = Buffer.from(secret);
  const base32 = encodeBase32(secret);
  const base64 = buffer.toString('base64');
  const forms = [
    buffer.toString('hex'),
    buffer.toString('hex').toUpperCase(),
    base32,
    base32.toLowerCase(),
    encodeBase32(secret, { padding: true }),
    base64,
    base64.replace(/=+$/, ''),
    buffer.toString('base64url'),
  ];
  // Any 16 consecutive base32 characters (80 bits) would already give half the secret away.
  for (let start = 0; start + 16 <= base32.length; start += 4) forms.push(base32.slice(start, start + 16));
  return forms;
}

export interface Leak {
  readonly where: string;
  readonly form: string;
}

/** Where any of `secrets` (bytes) or `texts` (PINs, passwords) appears in `outputs` or in the files. */
export async function findLeaks(options: {
  secrets: readonly Uint8Array[];
  texts?: readonly string[];
  outputs: readonly string[];
  files: readonly string[];
}): Promise<Leak[]> {
  const leaks: Leak[] = [];
  const haystacks: { where: string; bytes: Buffer }[] = [
    ...options.outputs.map((output, index) => ({ where: `output #${index}`, bytes: Buffer.from(output, 'utf8') })),
    ...(await Promise.all(options.files.map(async (file) => ({ where: file, bytes: await readFile(file) })))),
  ];
  for (const { where, bytes } of haystacks) {
    const text = bytes.toString('latin1');
    for (const secret of options.secrets) {
      if (bytes.includes(Buffer.from(secret))) leaks.push({ where, form: 'raw bytes' });
      for (const form of spellings(secret)) if (text.includes(form)) leaks.push({ where, form: `encoded (${form.length} characters)` });
    }
    for (const secretText of options.texts ?? []) if (text.includes(secretText)) leaks.push({ where, form: 'text' });
  }
  return leaks;
}

/** Every file under `dir`, recursively, except those `skip` matches. */
export async function filesUnder(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry);
    if (skip(path)) continue;
    if ((await stat(path)).isDirectory()) files.push(...(await filesUnder(path, skip)));
    else files.push(path);
  }
  return files;
}
