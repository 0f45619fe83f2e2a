import { Base32Error } from '../errors.js';
import { BASE32_ALPHABET, BASE32_PAD, PADDING_FOR_REMAINDER } from './base32-alphabet.js';

export type Base32ErrorCode = 'BASE32_EMPTY' | 'BASE32_INVALID_CHARACTER' | 'BASE32_INVALID_PADDING' | 'BASE32_INVALID_LENGTH' | 'BASE32_NONZERO_TRAILING_BITS';

/** Character code -> 5-bit value for both cases; -1 for everything else. */
const VALUES: readonly number[] = (() => {
  const values = new Array<number>(128).fill(-1);
  for (let i = 0; i < BASE32_ALPHABET.length; i++) {
    values[BASE32_ALPHABET.charCodeAt(i)] = i;
    values[BASE32_ALPHABET.toLowerCase().charCodeAt(i)] = i;
  }
  return values;
})();

const PAD = BASE32_PAD.charCodeAt(0);
const SPACE = 0x20;
const HYPHEN = 0x2d;

function fail(code: Base32ErrorCode, position: number, message: string): never {
  throw new Base32Error(code, position, message);
}

/**
 * Decodes a base32 secret as people type and apps display it (docs/protocol.md §7.3): either case, spaces and
 * hyphens anywhere, '=' padding optional but exact when present. Rejects rather than guesses, so a typo never
 * yields a silently different secret. Errors name positions in `text`, never its characters.
 */
export function decodeBase32(text: string): Uint8Array {
  const digits: number[] = [];
  let lastDigitPosition = -1;
  let firstPadPosition = -1;
  let padCount = 0;
  for (let position = 0; position < text.length; position++) {
    const code = text.charCodeAt(position);
    if (code === SPACE || code === HYPHEN) continue;
    if (code === PAD) {
      if (firstPadPosition < 0) firstPadPosition = position;
      padCount++;
      continue;
    }
    const value = VALUES[code] ?? -1;
    if (value < 0) fail('BASE32_INVALID_CHARACTER', position, `Base32 text has an invalid character at position ${position}.`);
    if (firstPadPosition >= 0) fail('BASE32_INVALID_PADDING', position, `Base32 text continues after '=' padding at position ${position}.`);
    digits.push(value);
    lastDigitPosition = position;
  }
  if (digits.length === 0) fail('BASE32_EMPTY', -1, 'Base32 text is empty.');
  const expectedPadding = PADDING_FOR_REMAINDER[digits.length % 8] ?? -1;
  if (expectedPadding < 0) {
    fail('BASE32_INVALID_LENGTH', -1, `Base32 text has ${digits.length} characters; no byte string encodes to that many.`);
  }
  if (padCount > 0 && padCount !== expectedPadding) {
    fail('BASE32_INVALID_PADDING', firstPadPosition, `Base32 padding starting at position ${firstPadPosition} should have ${expectedPadding} '=' characters.`);
  }
  const bytes = new Uint8Array(Math.floor((digits.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const digit of digits) {
    buffer = ((buffer << 5) | digit) & 0xfff; // at most 7 + 5 live bits
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    // Another encoder would have written a different last character for these bytes: refuse to pick one.
    fail('BASE32_NONZERO_TRAILING_BITS', lastDigitPosition, `Base32 character at position ${lastDigitPosition} has unused bits set.`);
  }
  return bytes;
}
