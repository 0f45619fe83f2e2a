import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtpauthError } from '../src/errors.js';
import { formatOtpauthUri, parseOtpauthUri, type OtpauthParameters } from '../src/otpauth/index.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const T = `otpauth://totp/Example:alice?secret=${SECRET}`;
const H = `otpauth://hotp/Example:alice?secret=${SECRET}`;

function otpauthError(run: () => unknown): OtpauthError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OtpauthError);
    return error as OtpauthError;
  }
  throw new Error('expected an OtpauthError');
}

describe('parseOtpauthUri rejects malformed URIs with a code and field (docs/protocol.md §7.4)', () => {
  it.each([
    ['http scheme', `https://totp/a?secret=${SECRET}`, 'OTPAUTH_INVALID_SCHEME', 'scheme'],
    ['missing //', `otpauth:totp/a?secret=${SECRET}`, 'OTPAUTH_INVALID_SCHEME', 'scheme'],
    ['empty text', '', 'OTPAUTH_INVALID_SCHEME', 'scheme'],
    ['unknown type', `otpauth://motp/a?secret=${SECRET}`, 'OTPAUTH_INVALID_TYPE', 'type'],
    ['empty type', `otpauth:///a?secret=${SECRET}`, 'OTPAUTH_INVALID_TYPE', 'type'],
    ['no label', `otpauth://totp?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['empty label', `otpauth://totp/?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['empty account after the issuer', `otpauth://totp/Example:?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['blank account', `otpauth://totp/Example:%20%20?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['empty issuer prefix', `otpauth://totp/:alice?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['two separators', `otpauth://totp/a:b:c?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['a control character in the label', `otpauth://totp/a%0Ab?secret=${SECRET}`, 'OTPAUTH_INVALID_LABEL', 'label'],
    ['bad percent-encoding in the label', `otpauth://totp/a%2?secret=${SECRET}`, 'OTPAUTH_INVALID_ENCODING', 'label'],
    ['invalid UTF-8 in the label', `otpauth://totp/a%C3%28?secret=${SECRET}`, 'OTPAUTH_INVALID_ENCODING', 'label'],
    ['a fragment', `${T}#x`, 'OTPAUTH_INVALID_ENCODING', 'fragment'],
    ['bad percent-encoding in a value', `${T}&issuer=%ZZ`, 'OTPAUTH_INVALID_ENCODING', 'issuer'],
    ['a known name without a value', `${T}&digits`, 'OTPAUTH_INVALID_ENCODING', 'digits'],
    ['a misspelt period', `${T}&peroid=60`, 'OTPAUTH_UNKNOWN_PARAMETER', 'parameter'],
    ['an upper-case name', `otpauth://totp/a?Secret=${SECRET}`, 'OTPAUTH_UNKNOWN_PARAMETER', 'Secret'],
    ['an upper-case name without a value', `${T}&PERIOD`, 'OTPAUTH_UNKNOWN_PARAMETER', 'PERIOD'],
    ['counter in a totp URI', `${T}&counter=1`, 'OTPAUTH_UNKNOWN_PARAMETER', 'counter'],
    ['period in an hotp URI', `${H}&counter=1&period=30`, 'OTPAUTH_UNKNOWN_PARAMETER', 'period'],
    ['a secret-sized unknown name', `${T}&JBSWY3DPEHPK3PXP=1`, 'OTPAUTH_UNKNOWN_PARAMETER', 'parameter'],
    ['a duplicate secret', `${T}&secret=${SECRET}`, 'OTPAUTH_DUPLICATE_PARAMETER', 'secret'],
    ['a duplicate digits', `${T}&digits=6&digits=6`, 'OTPAUTH_DUPLICATE_PARAMETER', 'digits'],
    ['no secret', 'otpauth://totp/a?issuer=x', 'OTPAUTH_MISSING_SECRET', 'secret'],
    ['no query', 'otpauth://totp/a', 'OTPAUTH_MISSING_SECRET', 'secret'],
    ['an empty secret', 'otpauth://totp/a?secret=', 'OTPAUTH_MISSING_SECRET', 'secret'],
    ['a non-base32 secret', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PX1', 'OTPAUTH_INVALID_SECRET', 'secret'],
    ['a secret with trailing bits', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXPMZ', 'OTPAUTH_INVALID_SECRET', 'secret'],
    ['a secret of impossible length', 'otpauth://totp/a?secret=JBSWY3DPEHPK3PXPM', 'OTPAUTH_INVALID_SECRET', 'secret'],
    ['a secret under 10 bytes', 'otpauth://totp/a?secret=JBSWY3DPEHPK3P', 'OTPAUTH_INVALID_SECRET', 'secret'],
    ['a secret over 64 bytes', `otpauth://totp/a?secret=${'A'.repeat(104)}`, 'OTPAUTH_INVALID_SECRET', 'secret'],
    ['MD5', `${T}&algorithm=MD5`, 'OTPAUTH_UNSUPPORTED_ALGORITHM', 'algorithm'],
    ['SHA-256 spelt with a hyphen', `${T}&algorithm=SHA-256`, 'OTPAUTH_UNSUPPORTED_ALGORITHM', 'algorithm'],
    ['an empty algorithm', `${T}&algorithm=`, 'OTPAUTH_UNSUPPORTED_ALGORITHM', 'algorithm'],
    ['5 digits', `${T}&digits=5`, 'OTPAUTH_INVALID_DIGITS', 'digits'],
    ['10 digits', `${T}&digits=10`, 'OTPAUTH_INVALID_DIGITS', 'digits'],
    ['digits with a leading zero', `${T}&digits=06`, 'OTPAUTH_INVALID_DIGITS', 'digits'],
    ['period 0', `${T}&period=0`, 'OTPAUTH_INVALID_PERIOD', 'period'],
    ['negative period', `${T}&period=-30`, 'OTPAUTH_INVALID_PERIOD', 'period'],
    ['fractional period', `${T}&period=30.5`, 'OTPAUTH_INVALID_PERIOD', 'period'],
    ['period over 3600', `${T}&period=3601`, 'OTPAUTH_INVALID_PERIOD', 'period'],
    ['period with a leading zero', `${T}&period=030`, 'OTPAUTH_INVALID_PERIOD', 'period'],
    ['empty period', `${T}&period=`, 'OTPAUTH_INVALID_PERIOD', 'period'],
    ['hotp without a counter', H, 'OTPAUTH_MISSING_COUNTER', 'counter'],
    ['negative counter', `${H}&counter=-1`, 'OTPAUTH_INVALID_COUNTER', 'counter'],
    ['counter 2^64', `${H}&counter=18446744073709551616`, 'OTPAUTH_INVALID_COUNTER', 'counter'],
    ['hexadecimal counter', `${H}&counter=0x10`, 'OTPAUTH_INVALID_COUNTER', 'counter'],
    ['counter with a leading zero', `${H}&counter=01`, 'OTPAUTH_INVALID_COUNTER', 'counter'],
    ['empty issuer parameter', `${T}&issuer=`, 'OTPAUTH_INVALID_ISSUER', 'issuer'],
    ['a control character in the issuer', `${T}&issuer=Exa%07mple`, 'OTPAUTH_INVALID_ISSUER', 'issuer'],
    ['issuers that disagree', `${T}&issuer=Other`, 'OTPAUTH_ISSUER_MISMATCH', 'issuer'],
    ['issuers differing in case', `${T}&issuer=example`, 'OTPAUTH_ISSUER_MISMATCH', 'issuer'],
  ])('%s', (_name, uri, code, field) => {
    const error = otpauthError(() => parseOtpauthUri(uri));
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
  });

  it('points at an unknown parameter by position, since its name could be part of a secret', () => {
    const error = otpauthError(() => parseOtpauthUri(`${T}&issuer=Example&peroid=60`));
    expect(error.message).toContain('Parameter 3');
  });

  it('keeps the base32 problem as the cause of OTPAUTH_INVALID_SECRET', () => {
    const error = otpauthError(() => parseOtpauthUri('otpauth://totp/a?secret=JBSWY3DPEHPK3PX1'));
    expect(error.cause).toMatchObject({ code: 'BASE32_INVALID_CHARACTER', position: 15 });
    expect(error.message).toContain('BASE32_INVALID_CHARACTER');
  });
});

describe('formatOtpauthUri rejects what parseOtpauthUri would', () => {
  const valid: OtpauthParameters = {
    type: 'totp',
    accountName: 'alice',
    issuer: 'Example',
    secret: new Uint8Array(20),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  };
  it.each<[string, Record<string, unknown>, string]>([
    ['type', { type: 'motp' }, 'OTPAUTH_INVALID_TYPE'],
    ['label', { accountName: '' }, 'OTPAUTH_INVALID_LABEL'],
    ['label', { accountName: 'a:b' }, 'OTPAUTH_INVALID_LABEL'],
    ['label', { accountName: ' alice' }, 'OTPAUTH_INVALID_LABEL'],
    ['label', { accountName: 'a\u0000b' }, 'OTPAUTH_INVALID_LABEL'],
    ['label', { accountName: 'a\uD800b' }, 'OTPAUTH_INVALID_LABEL'],
    ['issuer', { issuer: '' }, 'OTPAUTH_INVALID_ISSUER'],
    ['issuer', { issuer: 'Example ' }, 'OTPAUTH_INVALID_ISSUER'],
    ['secret', { secret: new Uint8Array(9) }, 'OTPAUTH_INVALID_SECRET'],
    ['secret', { secret: 'JBSWY3DPEHPK3PXP' }, 'OTPAUTH_INVALID_SECRET'],
    ['algorithm', { algorithm: 'sha1' }, 'OTPAUTH_UNSUPPORTED_ALGORITHM'],
    ['digits', { digits: 9 }, 'OTPAUTH_INVALID_DIGITS'],
    ['period', { period: 0 }, 'OTPAUTH_INVALID_PERIOD'],
    ['counter', { type: 'hotp', counter: -1 }, 'OTPAUTH_INVALID_COUNTER'],
    ['counter', { type: 'hotp', counter: 2n ** 64n }, 'OTPAUTH_INVALID_COUNTER'],
    ['counter', { type: 'hotp', counter: 2 ** 53 }, 'OTPAUTH_INVALID_COUNTER'],
  ])('%s: %s', (field, change, code) => {
    const error = otpauthError(() => formatOtpauthUri({ ...valid, ...change } as OtpauthParameters));
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
  });
});

describe('no OtpauthError message contains the secret or the URI', () => {
  it('for every mutation of a valid URI', () => {
    const secretText = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const base = `otpauth://hotp/Example:alice?secret=${secretText}&issuer=Example&counter=5`;
    const mutation = fc.record({
      at: fc.nat({ max: base.length }),
      cut: fc.nat({ max: 3 }),
      insert: fc.string({ unit: fc.constantFrom(...'=&?#:%/ 1x!AZ'.split('')), maxLength: 3 }),
    });
    fc.assert(
      fc.property(mutation, ({ at, cut, insert }) => {
        const uri = base.slice(0, at) + insert + base.slice(at + cut);
        try {
          parseOtpauthUri(uri);
        } catch (error) {
          expect(error).toBeInstanceOf(OtpauthError);
          const { message, field } = error as OtpauthError;
          for (const text of [message, field]) {
            expect(text).not.toContain(secretText.slice(0, 8));
            expect(text).not.toContain(secretText.slice(-8));
            expect(text).not.toContain('alice');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('throws nothing but OtpauthError for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `otpauth://totp/${s}`),
          fc.string().map((s) => `otpauth://hotp/a?${s}`),
        ),
        (uri) => {
          try {
            parseOtpauthUri(uri);
          } catch (error) {
            expect(error).toBeInstanceOf(OtpauthError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
