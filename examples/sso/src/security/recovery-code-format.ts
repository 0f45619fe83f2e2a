/**
 * Recovery codes: 8 characters of Crockford's base32 alphabet (no I, L, O, U), 40 random bits each. People type
 * them from paper, so input is upper-cased, spaces and dashes are ignored, and O, I and L read as 0, 1 and 1.
 */
import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_LENGTH = 8;
export const RECOVERY_CODE_COUNT = 10;

export function newRecoveryCode(): string {
  let code = '';
  for (let index = 0; index < RECOVERY_CODE_LENGTH; index++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** The canonical form of what someone typed, or undefined when it cannot be a recovery code. */
export function normalizeRecoveryCode(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const code = input.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === RECOVERY_CODE_LENGTH && [...code].every((char) => ALPHABET.includes(char)) ? code : undefined;
}
