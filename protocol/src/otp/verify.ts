// Host-side checks of codes a key produced, delegated to otplib (constant-time compare, bounded windows).
import { verifySync } from 'otplib';
import { otpError } from './otp-error-code.js';
import type { HotpOptions, TotpOptions } from './engine.js';
import { HKP_GUARDRAILS, isWellFormedToken, MAX_CODES_PER_VERIFICATION, otplibAlgorithm } from './otplib-bridge.js';
import {
  checkAlgorithm,
  checkDigits,
  checkPeriod,
  checkSecret,
  DEFAULT_OTP_ALGORITHM,
  DEFAULT_OTP_DIGITS,
  DEFAULT_TOTP_PERIOD,
} from './parameters.js';
import { totpStep } from './time-step.js';

export interface VerifyHotpOptions extends HotpOptions {
  secret: Uint8Array;
  token: string;
  /** The next counter the verifier expects, 0..2^53-1. */
  counter: number;
  /** Also accept the next `lookAhead` counters (0..98, default 0); never earlier ones, which would allow replay. */
  lookAhead?: number;
}

/** On success, `counter` is the one that matched: expect `counter + 1` next time. */
export type VerifyHotpResult = { valid: true; counter: number } | { valid: false };

export interface VerifyTotpOptions extends TotpOptions {
  secret: Uint8Array;
  token: string;
  /** Verifier's time in Unix seconds. */
  time: number;
  /** Accept codes up to `window` steps before or after the current one (0..49, default 1: RFC 6238 §5.2). */
  window?: number;
}

/** On success, `step` is the matching time step and `delta` its distance from the current one. */
export type VerifyTotpResult = { valid: true; step: number; delta: number } | { valid: false };

function checkWindow(value: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw otpError('OTP_INVALID_WINDOW', `${name} must be an integer from 0 to ${max}.`);
  return value;
}

export function verifyHotp(options: VerifyHotpOptions): VerifyHotpResult {
  checkSecret(options.secret);
  const algorithm = checkAlgorithm(options.algorithm ?? DEFAULT_OTP_ALGORITHM);
  const digits = checkDigits(options.digits ?? DEFAULT_OTP_DIGITS);
  const lookAhead = checkWindow(options.lookAhead ?? 0, MAX_CODES_PER_VERIFICATION - 1, 'lookAhead');
  const { counter } = options;
  // otplib counts in doubles: keep every counter it will try exact.
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > Number.MAX_SAFE_INTEGER - lookAhead) {
    throw otpError('OTP_COUNTER_RANGE', 'verifyHotp needs counter + lookAhead from 0 to 2^53-1.');
  }
  if (!isWellFormedToken(options.token, digits)) return { valid: false };
  const result = verifySync({
    strategy: 'hotp',
    secret: options.secret,
    token: options.token,
    counter,
    counterTolerance: [0, lookAhead],
    algorithm: otplibAlgorithm(algorithm),
    digits,
    guardrails: HKP_GUARDRAILS,
  });
  return result.valid ? { valid: true, counter: counter + result.delta } : { valid: false };
}

export function verifyTotp(options: VerifyTotpOptions): VerifyTotpResult {
  checkSecret(options.secret);
  const algorithm = checkAlgorithm(options.algorithm ?? DEFAULT_OTP_ALGORITHM);
  const digits = checkDigits(options.digits ?? DEFAULT_OTP_DIGITS);
  const period = checkPeriod(options.period ?? DEFAULT_TOTP_PERIOD);
  const t0 = options.t0 ?? 0;
  const step = totpStep(options.time, period, t0);
  const window = checkWindow(options.window ?? 1, (MAX_CODES_PER_VERIFICATION - 1) / 2, 'window');
  if (!isWellFormedToken(options.token, digits)) return { valid: false };
  const result = verifySync({
    strategy: 'totp',
    secret: options.secret,
    token: options.token,
    epoch: options.time,
    t0,
    period,
    // otplib's tolerance is in seconds; whole periods make it exactly `window` steps each way.
    epochTolerance: window * period,
    algorithm: otplibAlgorithm(algorithm),
    digits,
    guardrails: HKP_GUARDRAILS,
  });
  return result.valid ? { valid: true, step: step + result.delta, delta: result.delta } : { valid: false };
}
