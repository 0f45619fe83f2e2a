import { describe, expect, it } from 'vitest';
import { OtpError } from '../src/errors.js';
import { createOtpApi, MAX_OTP_COUNTER, MAX_TOTP_TIME, nobleHmacBackend, totpRemainingSeconds, totpStep, totpValidUntil } from '../src/otp/index.js';
import { nodeHmacBackend } from '../src/otp/hmac-node.js';

const node = createOtpApi(nodeHmacBackend);
const noble = createOtpApi(nobleHmacBackend);
const secret = new TextEncoder().encode('12345678901234567890');

function expectOtpError(run: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(OtpError);
  expect((thrown as OtpError).code).toBe(code);
}

describe('64-bit HOTP counters (docs/protocol.md §7.1)', () => {
  it('gives the same code for a number and the equal bigint, across 2^32 and up to 2^53-1', () => {
    for (const counter of [0, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      expect(node.hotp(secret, counter)).toBe(node.hotp(secret, BigInt(counter)));
    }
  });

  it('does not truncate counters to 32 bits', () => {
    expect(node.hotp(secret, 2 ** 32)).not.toBe(node.hotp(secret, 0));
    expect(node.hotp(secret, 2n ** 63n)).not.toBe(node.hotp(secret, 0));
  });

  it('accepts 2^64-1 as a bigint, in every backend and the engine alike', () => {
    const code = node.hotp(secret, MAX_OTP_COUNTER, { digits: 8 });
    expect(code).toMatch(/^[0-9]{8}$/);
    expect(noble.hotp(secret, MAX_OTP_COUNTER, { digits: 8 })).toBe(code);
    expect(node.createOtpEngine(secret, { digits: 8 }).hotp(MAX_OTP_COUNTER)).toBe(code);
  });

  it.each([
    ['-1', -1],
    ['-1n', -1n],
    ['2^64', 2n ** 64n],
    ['2^53 as a number (not exact)', 2 ** 53],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '5'],
  ])('rejects the counter %s with OTP_COUNTER_RANGE', (_name, counter) => {
    expectOtpError(() => node.hotp(secret, counter as number), 'OTP_COUNTER_RANGE');
    expectOtpError(() => node.createOtpEngine(secret).hotp(counter as number), 'OTP_COUNTER_RANGE');
  });
});

describe('TOTP time steps (docs/protocol.md §7.2)', () => {
  it('puts a boundary time in the new step and floors fractional seconds', () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29)).toBe(0);
    expect(totpStep(29.999)).toBe(0);
    expect(totpStep(30)).toBe(1);
    expect(totpStep(59.5)).toBe(1);
    expect(totpStep(100, 30, 40)).toBe(2);
    expect(totpStep(40, 30, 40)).toBe(0);
  });

  it('reports when the current code expires and how long is left', () => {
    expect(totpValidUntil(59)).toBe(60);
    expect(totpRemainingSeconds(59)).toBe(1);
    expect(totpValidUntil(60)).toBe(90);
    expect(totpRemainingSeconds(60)).toBe(30);
    expect(totpRemainingSeconds(60.25)).toBe(29.75);
    expect(totpValidUntil(1_000, 60, 10)).toBe(1_030);
    expect(totpValidUntil(MAX_TOTP_TIME, 3600)).toBe(MAX_TOTP_TIME + 3600 - (MAX_TOTP_TIME % 3600));
  });

  it('computes past 2038 (2^31 + x seconds) and at 20000000000 s', () => {
    for (const time of [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 12_345, 20_000_000_000]) {
      expect(totpStep(time)).toBe(Math.floor(time / 30));
      expect(node.totp(secret, time)).toBe(node.hotp(secret, Math.floor(time / 30)));
    }
  });

  it('counts more than 2^32 steps at a 1-second period', () => {
    const time = 2 ** 32 + 5;
    expect(totpStep(time, 1)).toBe(2 ** 32 + 5);
    expect(node.totp(secret, time, { period: 1 })).toBe(node.hotp(secret, 2n ** 32n + 5n));
    expect(node.totp(secret, time, { period: 1 })).not.toBe(node.hotp(secret, 5));
  });

  it('works up to the end of the Date range and not beyond', () => {
    expect(totpStep(MAX_TOTP_TIME, 1)).toBe(MAX_TOTP_TIME);
    expect(node.totp(secret, MAX_TOTP_TIME)).toMatch(/^[0-9]{6}$/);
    expectOtpError(() => totpStep(MAX_TOTP_TIME + 1), 'OTP_TIME_RANGE');
  });

  it.each([
    ['a negative time', -1, 0],
    ['a time before T0', 99, 100],
    ['NaN', Number.NaN, 0],
    ['Infinity', Number.POSITIVE_INFINITY, 0],
    ['a negative T0', 100, -1],
    ['a fractional T0', 100, 0.5],
  ])('rejects %s with OTP_TIME_RANGE', (_name, time, t0) => {
    expectOtpError(() => totpStep(time, 30, t0), 'OTP_TIME_RANGE');
    expectOtpError(() => node.totp(secret, time, { t0 }), 'OTP_TIME_RANGE');
  });
});

describe('OTP parameter errors', () => {
  it.each([
    ['OTP_SECRET_LENGTH', () => node.hotp(new Uint8Array(9), 0)],
    ['OTP_SECRET_LENGTH', () => node.hotp(new Uint8Array(65), 0)],
    ['OTP_SECRET_LENGTH', () => node.createOtpEngine('12345678901234567890' as never)],
    ['OTP_UNSUPPORTED_ALGORITHM', () => node.hotp(secret, 0, { algorithm: 'MD5' as never })],
    ['OTP_UNSUPPORTED_ALGORITHM', () => node.hotp(secret, 0, { algorithm: 'sha1' as never })],
    ['OTP_INVALID_DIGITS', () => node.hotp(secret, 0, { digits: 5 as never })],
    ['OTP_INVALID_DIGITS', () => node.hotp(secret, 0, { digits: 9 as never })],
    ['OTP_INVALID_PERIOD', () => node.totp(secret, 0, { period: 0 })],
    ['OTP_INVALID_PERIOD', () => node.totp(secret, 0, { period: 3601 })],
    ['OTP_INVALID_PERIOD', () => node.totp(secret, 0, { period: 1.5 })],
    ['OTP_INVALID_PERIOD', () => node.createOtpEngine(secret, { period: 0 })],
    ['OTP_TIME_RANGE', () => node.createOtpEngine(secret, { t0: -30 })],
  ])('%s', (code, run) => {
    expectOtpError(run, code);
  });

  it('accepts the HKP/1 bounds: 10- and 64-byte secrets, 6..8 digits, periods 1 and 3600', () => {
    expect(node.hotp(new Uint8Array(10), 0)).toMatch(/^[0-9]{6}$/);
    expect(node.hotp(new Uint8Array(64), 0, { digits: 7 })).toMatch(/^[0-9]{7}$/);
    expect(node.totp(secret, 10_000, { period: 1 })).toBe(node.hotp(secret, 10_000));
    expect(node.totp(secret, 10_000, { period: 3600 })).toBe(node.hotp(secret, 2));
  });

  it('never puts the secret in a message', () => {
    try {
      node.hotp(new TextEncoder().encode('A'.repeat(65)), 0);
    } catch (error) {
      expect((error as Error).message).not.toContain('AAAA');
    }
  });
});
