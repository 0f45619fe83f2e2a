import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Base32Error } from '../src/errors.js';
import { decodeBase32, encodeBase32 } from '../src/secret/index.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

function base32Error(text: string): Base32Error {
  try {
    decodeBase32(text);
  } catch (error) {
    expect(error).toBeInstanceOf(Base32Error);
    return error as Base32Error;
  }
  throw new Error('expected a Base32Error');
}

describe('base32 (docs/protocol.md §7.3)', () => {
  it.each([
    // RFC 4648 §10 test vectors
    ['f', 'MY', 'MY======'],
    ['fo', 'MZXQ', 'MZXQ===='],
    ['foo', 'MZXW6', 'MZXW6==='],
    ['foob', 'MZXW6YQ', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI', 'MZXW6YTBOI======'],
  ])('RFC 4648 vector %j', (plain, unpadded, padded) => {
    expect(encodeBase32(bytes(plain))).toBe(unpadded);
    expect(encodeBase32(bytes(plain), { padding: true })).toBe(padded);
    expect(hex(decodeBase32(unpadded))).toBe(hex(bytes(plain)));
    expect(hex(decodeBase32(padded))).toBe(hex(bytes(plain)));
  });

  it('encodes nothing as nothing', () => {
    expect(encodeBase32(new Uint8Array(0))).toBe('');
    expect(encodeBase32(new Uint8Array(0), { padding: true })).toBe('');
  });

  it.each([
    ['lower case', 'jbswy3dpehpk3pxp'],
    ['mixed case', 'JbSwY3dPeHpK3pXp'],
    ['groups of four with spaces', 'JBSW Y3DP EHPK 3PXP'],
    ['hyphens', 'JBSW-Y3DP-EHPK-3PXP'],
    ['leading and trailing spaces', '  JBSWY3DPEHPK3PXP '],
  ])('decodes %s', (_name, text) => {
    expect(hex(decodeBase32(text))).toBe(hex(decodeBase32('JBSWY3DPEHPK3PXP')));
  });

  it('accepts separators around padding', () => {
    expect(hex(decodeBase32('MZXW 6=== '))).toBe(hex(bytes('foo')));
  });

  it('turns 32 characters into 20 bytes (the usual 160-bit secret)', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../packages/conformance/vectors/rfc4226-hotp.json', import.meta.url), 'utf8')) as {
      secretBase32: string;
      secretHex: string;
    };
    expect(vectors.secretBase32).toHaveLength(32);
    expect(hex(decodeBase32(vectors.secretBase32))).toBe(vectors.secretHex);
    expect(decodeBase32(vectors.secretBase32)).toHaveLength(20);
  });

  it.each([
    ['an empty string', '', 'BASE32_EMPTY', -1],
    ['only separators', ' - ', 'BASE32_EMPTY', -1],
    ['only padding', '========', 'BASE32_EMPTY', -1],
    ['the digit 1', 'JBSW1Y3D', 'BASE32_INVALID_CHARACTER', 4],
    ['the digit 0 after a separator', 'JBSW 0Y3D', 'BASE32_INVALID_CHARACTER', 5],
    ['the digit 8', '8BSWY3DP', 'BASE32_INVALID_CHARACTER', 0],
    ['a non-ASCII letter', 'JBSWY3DÄ', 'BASE32_INVALID_CHARACTER', 7],
    ['a tab', 'JBSW\tY3DP', 'BASE32_INVALID_CHARACTER', 4],
    ['an underscore', 'JBSW_Y3DP', 'BASE32_INVALID_CHARACTER', 4],
    ['data after padding', 'MY======MY', 'BASE32_INVALID_PADDING', 8],
    ['padding in the middle', 'MZ=XW6===', 'BASE32_INVALID_PADDING', 3],
    ['too little padding', 'MY=====', 'BASE32_INVALID_PADDING', 2],
    ['too much padding', 'MZXW6YQ==', 'BASE32_INVALID_PADDING', 7],
    ['padding after a whole group', 'MZXW6YTB========', 'BASE32_INVALID_PADDING', 8],
    ['1 character (mod 8)', 'M', 'BASE32_INVALID_LENGTH', -1],
    ['3 characters (mod 8)', 'MZX', 'BASE32_INVALID_LENGTH', -1],
    ['6 characters (mod 8)', 'MZXW6Y', 'BASE32_INVALID_LENGTH', -1],
    ['9 characters', 'MZXW6YTBO', 'BASE32_INVALID_LENGTH', -1],
    ['3 characters padded', 'MZX=====', 'BASE32_INVALID_LENGTH', -1],
    ['non-zero trailing bits (2 left over)', 'MZ', 'BASE32_NONZERO_TRAILING_BITS', 1],
    ['non-zero trailing bits (4 left over)', 'MZXR', 'BASE32_NONZERO_TRAILING_BITS', 3],
    ['non-zero trailing bits (1 left over)', 'MZXW7', 'BASE32_NONZERO_TRAILING_BITS', 4],
    ['non-zero trailing bits (3 left over), padded and spaced', 'MZXW 6YR=', 'BASE32_NONZERO_TRAILING_BITS', 7],
  ])('rejects %s: %s -> %s at %i', (_name, text, code, position) => {
    const error = base32Error(text);
    expect(error.code).toBe(code);
    expect(error.position).toBe(position);
    if (position >= 0) expect(error.message).toContain(`position ${position}`);
  });

  it('never echoes the text in a message', () => {
    const secret = 'JBSWY3DPEHPK3PXQ';
    for (const text of [`${secret}MZ`, `${secret}!`, `${secret}=`, `${secret}M`]) {
      expect(base32Error(text).message).not.toContain(secret.slice(0, 4));
    }
  });

  it('round-trips any 0..64 bytes, padded or not, and tolerates added separators and lower case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (data, padding) => {
        const text = encodeBase32(data, { padding });
        expect(text).toMatch(/^[A-Z2-7]*=*$/);
        expect(text.length % 8 === 0 || !padding).toBe(true);
        if (data.length === 0) return;
        expect(hex(decodeBase32(text))).toBe(hex(data));
        const spaced = text
          .toLowerCase()
          .replace(/(.{4})/g, '$1 ')
          .replace(/ (.)/, '-$1');
        expect(hex(decodeBase32(spaced))).toBe(hex(data));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes each byte string from exactly one unpadded spelling (no silently different secret)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z2-7]{1,20}$/), (text) => {
        let data: Uint8Array;
        try {
          data = decodeBase32(text);
        } catch (error) {
          expect(error).toBeInstanceOf(Base32Error);
          return;
        }
        expect(encodeBase32(data)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but Base32Error for any string', () => {
    const alphabetish = fc.string({ unit: fc.constantFrom(...'ABCXYZ234567abz =-=1!é'.split('')), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), alphabetish), (text) => {
        try {
          const data = decodeBase32(text);
          expect(data).toBeInstanceOf(Uint8Array);
        } catch (error) {
          expect(error).toBeInstanceOf(Base32Error);
          const { position } = error as Base32Error;
          expect(position === -1 || (position >= 0 && position < text.length)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
