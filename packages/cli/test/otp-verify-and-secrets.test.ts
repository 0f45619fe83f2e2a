import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OtpError, hotp, totp } from '@hkey/protocol';
import { DEFAULT_SECRET_BYTES, generateSecret } from '../src/otp-secret.js';
import { verifyHotp, verifyTotp } from '../src/otp-verify.js';

const api = { hotp, totp };
const secret = fc.uint8Array({ minLength: 10, maxLength: 64 });

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OtpError);
    return (error as OtpError).code;
  }
  return undefined;
}

describe('verifyHotp (otplib underneath)', () => {
  it('accepts a code within the look-ahead and reports the counter that matched', () => {
    fc.assert(
      fc.property(
        secret,
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        (key, counter, ahead, lookAhead) => {
          const token = api.hotp(key, counter + ahead);
          const result = verifyHotp({ secret: key, token, counter, lookAhead });
          if (ahead <= lookAhead) expect(result).toEqual({ valid: true, counter: counter + ahead });
          else expect(result.valid).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never accepts an earlier counter (replay)', () => {
    const key = new Uint8Array(20).fill(1);
    expect(verifyHotp({ secret: key, token: api.hotp(key, 4), counter: 5, lookAhead: 20 })).toEqual({ valid: false });
  });

  it('treats malformed tokens as invalid, with algorithm and digits honoured', () => {
    const key = new Uint8Array(32).fill(3);
    const token = api.hotp(key, 7, { algorithm: 'SHA256', digits: 8 });
    expect(verifyHotp({ secret: key, token, counter: 7, algorithm: 'SHA256', digits: 8 })).toEqual({ valid: true, counter: 7 });
    expect(verifyHotp({ secret: key, token, counter: 7, digits: 8 }).valid).toBe(false);
    for (const bad of ['', '12345', '1234567a', ` ${token}`, token.slice(1)]) {
      expect(verifyHotp({ secret: key, token: bad, counter: 7, algorithm: 'SHA256', digits: 8 }).valid).toBe(false);
    }
  });

  it('rejects bad windows and counters it cannot handle exactly', () => {
    const key = new Uint8Array(20);
    expect(codeOf(() => verifyHotp({ secret: key, token: '000000', counter: 0, lookAhead: 99 }))).toBe('OTP_INVALID_WINDOW');
    expect(codeOf(() => verifyHotp({ secret: key, token: '000000', counter: 0, lookAhead: -1 }))).toBe('OTP_INVALID_WINDOW');
    expect(codeOf(() => verifyHotp({ secret: key, token: '000000', counter: Number.MAX_SAFE_INTEGER, lookAhead: 1 }))).toBe('OTP_COUNTER_RANGE');
    expect(codeOf(() => verifyHotp({ secret: new Uint8Array(9), token: '000000', counter: 0 }))).toBe('OTP_SECRET_LENGTH');
  });
});

describe('verifyTotp (otplib underneath)', () => {
  it('accepts codes within the window either side and reports step and delta', () => {
    const timing = fc.record({
      time: fc.integer({ min: 10 * 3600, max: 2 ** 36 }),
      period: fc.integer({ min: 1, max: 3600 }),
      t0: fc.integer({ min: 0, max: 3600 }),
    });
    fc.assert(
      fc.property(secret, timing, fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 2 }), (key, { time, period, t0 }, delta, window) => {
        const step = Math.floor((time - t0) / period);
        const token = api.hotp(key, step + delta);
        const result = verifyTotp({ secret: key, token, time, period, t0, window });
        if (Math.abs(delta) <= window) expect(result).toEqual({ valid: true, step: step + delta, delta });
        // A different step may share the 6-digit code by chance; only a match at the claimed step would be wrong.
        else if (result.valid) expect(result.step).not.toBe(step + delta);
      }),
      { numRuns: 100 },
    );
  });

  it('defaults to one step either side, and honours algorithm and digits', () => {
    const key = new Uint8Array(64).fill(9);
    const options = { algorithm: 'SHA512', digits: 7 } as const;
    const token = api.totp(key, 1_000_000, options);
    expect(verifyTotp({ secret: key, token, time: 1_000_029, ...options })).toEqual({ valid: true, step: 33_333, delta: -1 });
    expect(verifyTotp({ secret: key, token, time: 1_000_000 + 65, ...options }).valid).toBe(false);
    expect(verifyTotp({ secret: key, token, time: 1_000_000, window: 0 })).toEqual({ valid: false });
  });

  it('rejects bad windows and times', () => {
    const key = new Uint8Array(20);
    expect(codeOf(() => verifyTotp({ secret: key, token: '000000', time: 0, window: 50 }))).toBe('OTP_INVALID_WINDOW');
    expect(codeOf(() => verifyTotp({ secret: key, token: '000000', time: -1 }))).toBe('OTP_TIME_RANGE');
    expect(codeOf(() => verifyTotp({ secret: key, token: '000000', time: 0, period: 0 }))).toBe('OTP_INVALID_PERIOD');
  });
});

describe('generateSecret', () => {
  it('returns 20 fresh random bytes by default', () => {
    const secrets = Array.from({ length: 50 }, () => generateSecret());
    expect(DEFAULT_SECRET_BYTES).toBe(20);
    for (const s of secrets) expect(s).toHaveLength(20);
    expect(new Set(secrets.map((s) => Buffer.from(s).toString('hex'))).size).toBe(50);
  });

  it('honours the HKP/1 length range 10..64', () => {
    expect(generateSecret(10)).toHaveLength(10);
    expect(generateSecret(64)).toHaveLength(64);
    for (const bad of [9, 65, 20.5]) expect(codeOf(() => generateSecret(bad))).toBe('OTP_SECRET_LENGTH');
  });
});
