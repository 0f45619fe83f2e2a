import fc from 'fast-check';
import { createGuardrails, generateSync, type HashAlgorithm } from 'otplib';
import { describe, expect, it } from 'vitest';
import { OtpError } from '../src/errors.js';
import { createOtpApi, MAX_TOTP_TIME, nobleHmacBackend, OTP_ALGORITHMS, type OtpDigits } from '../src/otp/index.js';
import { nodeHmacBackend } from '../src/otp/hmac-node.js';

// otplib 13 is an independent implementation (noble crypto inside); widen its guardrails to HKP/1's 10-byte minimum.
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 });
const node = createOtpApi(nodeHmacBackend);
const noble = createOtpApi(nobleHmacBackend);

const secret = fc.uint8Array({ minLength: 10, maxLength: 64 });
const algorithm = fc.constantFrom(...OTP_ALGORITHMS);
const digits = fc.constantFrom<OtpDigits>(6, 7, 8);
const lower = (name: string): HashAlgorithm => name.toLowerCase() as HashAlgorithm;

describe('HOTP agrees with otplib', () => {
  it('for random secrets, counters up to 2^53-1, algorithms and digits', () => {
    fc.assert(
      fc.property(secret, fc.maxSafeNat(), algorithm, digits, (key, counter, alg, size) => {
        const expected = generateSync({ strategy: 'hotp', secret: key, counter, algorithm: lower(alg), digits: size, guardrails });
        expect(node.hotp(key, counter, { algorithm: alg, digits: size })).toBe(expected);
        expect(noble.hotp(key, counter, { algorithm: alg, digits: size })).toBe(expected);
        expect(node.createOtpEngine(key, { algorithm: alg, digits: size }).hotp(BigInt(counter))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('for runs of consecutive counters through one engine (the reused buffers stay correct)', () => {
    fc.assert(
      fc.property(secret, fc.integer({ min: 0, max: 2 ** 40 }), algorithm, (key, start, alg) => {
        const engine = node.createOtpEngine(key, { algorithm: alg, digits: 8 });
        for (let counter = start; counter < start + 20; counter++) {
          expect(engine.hotp(counter)).toBe(generateSync({ strategy: 'hotp', secret: key, counter, algorithm: lower(alg), digits: 8, guardrails }));
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('TOTP agrees with otplib', () => {
  it('for random times (to the end of the Date range), periods, T0, algorithms and digits', () => {
    const timing = fc
      .tuple(fc.integer({ min: 0, max: MAX_TOTP_TIME }), fc.integer({ min: 0, max: MAX_TOTP_TIME }), fc.integer({ min: 1, max: 3600 }))
      .map(([a, b, period]) => ({ t0: Math.min(a, b), time: Math.max(a, b), period }));
    fc.assert(
      fc.property(secret, timing, algorithm, digits, (key, { time, t0, period }, alg, size) => {
        const expected = generateSync({ strategy: 'totp', secret: key, epoch: time, t0, period, algorithm: lower(alg), digits: size, guardrails });
        expect(node.totp(key, time, { algorithm: alg, digits: size, period, t0 })).toBe(expected);
        expect(noble.createOtpEngine(key, { algorithm: alg, digits: size, period, t0 }).totp(time)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('for fractional times near step boundaries', () => {
    fc.assert(
      fc.property(secret, fc.integer({ min: 1, max: 2 ** 33 }), fc.double({ min: -1, max: 1, noNaN: true }), (key, step, offset) => {
        const time = step * 30 + offset;
        expect(node.totp(key, time)).toBe(generateSync({ strategy: 'totp', secret: key, epoch: time, guardrails }));
      }),
      { numRuns: 200 },
    );
  });
});

describe('HOTP and TOTP throw nothing but OtpError on any input', () => {
  it('for arbitrary counters, times and options', () => {
    const options = fc.record(
      { algorithm: fc.oneof(algorithm, fc.string()), digits: fc.oneof(digits, fc.double()), period: fc.oneof(fc.integer(), fc.double()), t0: fc.double() },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.oneof(fc.double(), fc.bigInt()), fc.double(), options, (key, counter, time, opts) => {
        for (const compute of [() => node.hotp(key, counter, opts as never), () => node.totp(key, time, opts as never)]) {
          try {
            expect(compute()).toMatch(/^[0-9]{6,8}$/);
          } catch (error) {
            expect(error).toBeInstanceOf(OtpError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
