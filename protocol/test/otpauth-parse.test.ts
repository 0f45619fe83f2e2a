import { describe, expect, it } from 'vitest';
import { parseOtpauthUri } from '../src/otpauth/index.js';
import { decodeBase32 } from '../src/secret/index.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const secretBytes = decodeBase32(SECRET);

describe('parseOtpauthUri accepts the Key Uri Format (docs/protocol.md §7.4)', () => {
  it("parses Google's documented example with all defaults filled in", () => {
    expect(parseOtpauthUri(`otpauth://totp/Example:alice@google.com?secret=${SECRET}&issuer=Example`)).toEqual({
      type: 'totp',
      accountName: 'alice@google.com',
      issuer: 'Example',
      secret: secretBytes,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
  });

  it('parses an hotp URI with its counter and explicit parameters', () => {
    expect(parseOtpauthUri(`otpauth://hotp/ACME%20Co:john.doe%40email.com?secret=${SECRET}&issuer=ACME%20Co&algorithm=SHA256&digits=8&counter=42`)).toEqual({
      type: 'hotp',
      accountName: 'john.doe@email.com',
      issuer: 'ACME Co',
      secret: secretBytes,
      algorithm: 'SHA256',
      digits: 8,
      counter: 42,
    });
  });

  it.each<[string, string, { issuer?: string; accountName: string }]>([
    ['a percent-encoded separator and space', `otpauth://totp/ACME%20Co%3A%20john?secret=${SECRET}`, { issuer: 'ACME Co', accountName: 'john' }],
    ['spaces around the separator', `otpauth://totp/ACME Co : john?secret=${SECRET}`, { issuer: 'ACME Co', accountName: 'john' }],
    ['no issuer at all', `otpauth://totp/john?secret=${SECRET}`, { accountName: 'john' }],
    ['only the issuer parameter', `otpauth://totp/john?secret=${SECRET}&issuer=Big%20Corp`, { issuer: 'Big Corp', accountName: 'john' }],
    ["'+' as a space in the issuer parameter", `otpauth://totp/Big Corp:john?secret=${SECRET}&issuer=Big+Corp`, { issuer: 'Big Corp', accountName: 'john' }],
    ["'+' kept in the label", `otpauth://totp/a+b@example.com?secret=${SECRET}`, { accountName: 'a+b@example.com' }],
    ['UTF-8 in the label', `otpauth://totp/%C3%89cole:%E5%B1%B1%E7%94%B0?secret=${SECRET}`, { issuer: 'École', accountName: '山田' }],
    ["an issuer parameter with ':'", `otpauth://totp/john?secret=${SECRET}&issuer=A%3AB`, { issuer: 'A:B', accountName: 'john' }],
  ])('reads labels with %s', (_name, uri, expected) => {
    const parsed = parseOtpauthUri(uri);
    expect(parsed.accountName).toBe(expected.accountName);
    expect(parsed.issuer).toBe(expected.issuer);
  });

  it.each([
    ['upper-case scheme and type', `OTPAUTH://TOTP/john?secret=${SECRET}`],
    ['a lower-case, spaced, padded secret', `otpauth://totp/john?secret=jbsw%20y3dp%20ehpk%203pxp`],
    ['a lower-case algorithm', `otpauth://totp/john?secret=${SECRET}&algorithm=sha1`],
    ['parameters in any order', `otpauth://totp/john?period=30&digits=6&secret=${SECRET}`],
    ['an empty pair and a trailing &', `otpauth://totp/john?&secret=${SECRET}&`],
    ['display-only image and color', `otpauth://totp/john?secret=${SECRET}&image=https%3A%2F%2Fexample.com%2Fa.png&color=FF0000&image=x`],
  ])('tolerates %s', (_name, uri) => {
    const parsed = parseOtpauthUri(uri);
    expect(parsed).toMatchObject({ type: 'totp', accountName: 'john', algorithm: 'SHA1', digits: 6, period: 30 });
    expect(parsed.secret).toEqual(secretBytes);
  });

  it('reads every period and digits value allowed', () => {
    for (const period of [1, 30, 60, 3600]) expect(parseOtpauthUri(`otpauth://totp/a?secret=${SECRET}&period=${period}`)).toMatchObject({ period });
    for (const digits of [6, 7, 8]) expect(parseOtpauthUri(`otpauth://totp/a?secret=${SECRET}&digits=${digits}`)).toMatchObject({ digits });
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'])
      expect(parseOtpauthUri(`otpauth://totp/a?secret=${SECRET}&algorithm=${algorithm}`)).toMatchObject({ algorithm });
  });

  it('returns counters as numbers while exact, bigints above 2^53-1, up to 2^64-1', () => {
    const counter = (value: string): unknown => {
      const parsed = parseOtpauthUri(`otpauth://hotp/a?secret=${SECRET}&counter=${value}`);
      return parsed.type === 'hotp' ? parsed.counter : undefined;
    };
    expect(counter('0')).toBe(0);
    expect(counter('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(counter('9007199254740992')).toBe(2n ** 53n);
    expect(counter('18446744073709551615')).toBe(2n ** 64n - 1n);
  });

  it('ignores unknown parameters only when asked to', () => {
    const uri = `otpauth://totp/a?secret=${SECRET}&foo=bar&counter=5&Secret=x`;
    expect(parseOtpauthUri(uri, { allowUnknownParameters: true })).toMatchObject({ type: 'totp', period: 30 });
    expect(() => parseOtpauthUri(uri)).toThrow();
  });
});
