import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OTP_ALGORITHMS, type OtpDigits } from '../src/otp/index.js';
import { formatOtpauthUri, parseOtpauthUri, type OtpauthParameters } from '../src/otpauth/index.js';

const isPrintable = (char: string): boolean => {
  const code = char.codePointAt(0)!;
  return code > 0x1f && (code < 0x7f || code > 0x9f);
};

// Display text the format can carry: anything printable, trimmed, without the label separator.
const displayText = fc
  .string({
    unit: fc.oneof(fc.constantFrom(...' :+%&=?#/@é山😀'.split(/(?:)/u)), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })),
    minLength: 1,
    maxLength: 24,
  })
  .map((text) =>
    [...text]
      .filter((char) => isPrintable(char) && char !== ':')
      .join('')
      .trim(),
  )
  .filter((text) => text.length > 0);

const common = {
  accountName: displayText,
  issuer: fc.option(
    fc.oneof(
      displayText,
      displayText.map((text) => `${text}:x`),
    ),
    { nil: undefined },
  ),
  secret: fc.uint8Array({ minLength: 10, maxLength: 64 }),
  algorithm: fc.constantFrom(...OTP_ALGORITHMS),
  digits: fc.constantFrom<OtpDigits>(6, 7, 8),
};
const parameters: fc.Arbitrary<OtpauthParameters> = fc.oneof(
  fc.record(
    { type: fc.constant('totp' as const), ...common, period: fc.integer({ min: 1, max: 3600 }) },
    { requiredKeys: ['type', 'accountName', 'secret', 'algorithm', 'digits', 'period'] },
  ),
  fc.record(
    { type: fc.constant('hotp' as const), ...common, counter: fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n })) },
    { requiredKeys: ['type', 'accountName', 'secret', 'algorithm', 'digits', 'counter'] },
  ),
);

describe('formatOtpauthUri then parseOtpauthUri (docs/protocol.md §7.4)', () => {
  it('gives back the same parameters', () => {
    fc.assert(
      fc.property(parameters, (params) => {
        const uri = formatOtpauthUri(params);
        expect(uri).toMatch(/^otpauth:\/\/(totp|hotp)\/[^?#]+\?secret=[A-Z2-7]+(&[a-z]+=[^&#]*)+$/);
        expect(parseOtpauthUri(uri)).toEqual(params);
      }),
      { numRuns: 1000 },
    );
  });

  it("formats Google's example the way its documentation writes it", () => {
    const params = parseOtpauthUri('otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example');
    expect(formatOtpauthUri(params)).toBe('otpauth://totp/Example:alice%40google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA1&digits=6&period=30');
  });

  it('writes an issuer containing a colon only as the parameter', () => {
    const uri = formatOtpauthUri({
      type: 'hotp',
      accountName: 'bob',
      issuer: 'A:B',
      secret: new Uint8Array(10),
      algorithm: 'SHA512',
      digits: 8,
      counter: 2n ** 64n - 1n,
    });
    expect(uri).toBe('otpauth://hotp/bob?secret=AAAAAAAAAAAAAAAA&issuer=A%3AB&algorithm=SHA512&digits=8&counter=18446744073709551615');
  });
});
