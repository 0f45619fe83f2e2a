import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOtpApi, MAX_OTP_COUNTER, OTP_ALGORITHMS, type OtpAlgorithm, type OtpDigits } from '../src/otp/index.js';
import { nodeHmacBackend } from '../src/otp/hmac-node.js';

// OATH Toolkit's oathtool (Debian package "oathtool") is a C implementation independent of everything in node_modules.
const oathtoolFound = spawnSync('oathtool', ['--version']).status === 0;
const needs = oathtoolFound ? '' : ' [SKIPPED: oathtool is not on PATH; install the Debian package "oathtool"]';
const api = createOtpApi(nodeHmacBackend);

/** Runs oathtool with the key on stdin (never on the command line) and returns one code per line. */
function oathtool(key: Uint8Array, args: string[]): string[] {
  const output = execFileSync('oathtool', [...args, '-'], { input: Buffer.from(key).toString('hex'), encoding: 'utf8' });
  return output.trim().split('\n');
}

const secret = fc.uint8Array({ minLength: 10, maxLength: 64 });
const digits = fc.constantFrom<OtpDigits>(6, 7, 8);
const algorithm = fc.constantFrom<OtpAlgorithm>(...OTP_ALGORITHMS);

describe('cross-check with oathtool', () => {
  it.skipIf(!oathtoolFound)(`HOTP SHA1 matches for random secrets, counters (past 2^32 and 2^53) and digits${needs}`, () => {
    const counter = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 32n + 10n }), fc.bigInt({ min: 0n, max: MAX_OTP_COUNTER - 5n }));
    fc.assert(
      fc.property(secret, counter, digits, (key, start, size) => {
        const engine = api.createOtpEngine(key, { digits: size });
        const expected = oathtool(key, ['-c', String(start), '-d', String(size), '-w', '4']);
        expect([0n, 1n, 2n, 3n, 4n].map((offset) => engine.hotp(start + offset))).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it.skipIf(!oathtoolFound)(`HOTP at the top of the 64-bit counter range matches${needs}`, () => {
    const key = new TextEncoder().encode('12345678901234567890');
    for (const counter of [MAX_OTP_COUNTER, MAX_OTP_COUNTER - 1n, 2n ** 63n, 2n ** 53n + 1n]) {
      expect(api.hotp(key, counter, { digits: 8 })).toBe(oathtool(key, ['-c', String(counter), '-d', '8'])[0]);
    }
  });

  it.skipIf(!oathtoolFound)(`HOTP with SHA256 and SHA512 matches (oathtool TOTP at period 1 s makes the step equal the counter)${needs}`, () => {
    fc.assert(
      fc.property(secret, fc.integer({ min: 0, max: 2 ** 40 }), algorithm, digits, (key, counter, alg, size) => {
        const expected = oathtool(key, [`--totp=${alg}`, '-s', '1s', '-N', `@${counter}`, '-d', String(size)]);
        expect(api.hotp(key, counter, { algorithm: alg, digits: size })).toBe(expected[0]);
      }),
      { numRuns: 25 },
    );
  });

  it.skipIf(!oathtoolFound)(`TOTP matches for random times (past 2038 and 2^32 steps), periods, T0, algorithms and digits${needs}`, () => {
    const timing = fc.record({
      t0: fc.integer({ min: 0, max: 2 ** 31 }),
      elapsed: fc.oneof(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2 ** 31, max: 2 ** 36 })),
      period: fc.oneof(fc.constant(1), fc.constant(30), fc.integer({ min: 1, max: 3600 })),
    });
    fc.assert(
      fc.property(secret, timing, algorithm, digits, (key, { t0, elapsed, period }, alg, size) => {
        const time = t0 + elapsed;
        const args = [`--totp=${alg}`, '-s', `${period}s`, '-S', `@${t0}`, '-N', `@${time}`, '-d', String(size)];
        expect(api.totp(key, time, { algorithm: alg, digits: size, period, t0 })).toBe(oathtool(key, args)[0]);
      }),
      { numRuns: 40 },
    );
  });

  it.skipIf(!oathtoolFound)(`TOTP at 2^31 + x, 2^32 steps and 20000000000 s matches${needs}`, () => {
    const key = new TextEncoder().encode('12345678901234567890123456789012');
    for (const [time, period] of [
      [2 ** 31 + 1, 30],
      [2 ** 31 - 1, 30],
      [2 ** 32 + 5, 1],
      [20_000_000_000, 30],
      [2 ** 33 + 7, 1],
    ] as const) {
      const expected = oathtool(key, ['--totp=SHA256', '-s', `${period}s`, '-N', `@${time}`, '-d', '8']);
      expect(api.totp(key, time, { algorithm: 'SHA256', digits: 8, period })).toBe(expected[0]);
    }
  });
});
