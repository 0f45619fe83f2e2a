/** Password hashes as "scrypt$SALT$HASH" (scrypt.ts); the rules a new password must meet. */
import { SsoError } from '../errors.js';
import { newSalt, sameHash, scrypt } from './scrypt.js';

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;

/** Checks a new password; the error never quotes it. */
export function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string' || [...password].length < MIN_PASSWORD_LENGTH) {
    throw new SsoError('PASSWORD_TOO_SHORT', 400, `A password has at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) throw new SsoError('PASSWORD_TOO_LONG', 400, `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
  return password;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = newSalt();
  return `scrypt$${salt}$${await scrypt(password, salt)}`;
}

/** True when `password` matches `stored`; with no stored hash it still spends the same time (no user enumeration). */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) {
    await scrypt(password, newSalt());
    return false;
  }
  return sameHash(await scrypt(password, salt), hash);
}
