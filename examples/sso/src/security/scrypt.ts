/** scrypt (node:crypto) with the parameters every stored secret here uses: N = 2^14, r = 8, p = 1, 32-byte output. */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

const COST = { N: 2 ** 14, r: 8, p: 1 } as const;
const LENGTH = 32;

export function newSalt(): string {
  return randomBytes(16).toString('base64url');
}

export function scrypt(secret: string, salt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    scryptCallback(secret.normalize('NFKC'), salt, LENGTH, COST, (error, derived) => (error ? reject(error) : resolve(derived.toString('base64url'))));
  });
}

/** Compares two scrypt outputs in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64url');
  const right = Buffer.from(b, 'base64url');
  return left.length === right.length && timingSafeEqual(left, right);
}
