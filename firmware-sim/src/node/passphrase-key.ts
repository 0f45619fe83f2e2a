/**
 * The one passphrase-to-key step of the project's encrypted files (state files, the issuer's signing key): scrypt
 * with N = 2^17, r = 8, p = 1 into a 256-bit AES-GCM key.
 */
import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';

export const PASSPHRASE_SCRYPT = { N: 1 << 17, r: 8, p: 1 } as const;

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** A 32-byte key; `N` other than today's only for files written before (state files of 2^15). */
export function passphraseKey(passphrase: string, salt: Buffer, N: number = PASSPHRASE_SCRYPT.N): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default limit (32 MiB) is below that for N = 2^17.
  return scryptAsync(passphrase, salt, 32, { N, r: PASSPHRASE_SCRYPT.r, p: PASSPHRASE_SCRYPT.p, maxmem: 2 * 128 * N * PASSPHRASE_SCRYPT.r });
}
