/**
 * Host-side checks of codes a key produced, with otplib: an implementation independent of the protocol package's
 * OTP engine (constant-time compare, bounded windows), so a bug in one cannot hide behind the other.
 */
import { type HotpOptions, Limits, OtpError, type TotpOptions, createOtpEngine, totpStep } from '@hkey/protocol';
import { createGuardrails, type HashAlgorithm, verifySync } from 'otplib';

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

/** otplib's limits widened to HKP/1's (docs/protocol.md §5.1): secrets down to 10 bytes. */
const HKP_GUARDRAILS = createGuardrails({
  MIN_SECRET_BYTES: Limits.secretMinBytes,
  MAX_SECRET_BYTES: Limits.secretMaxBytes,
  MAX_PERIOD: Limits.maxPeriodSeconds,
});

/** otplib computes at most this many codes per verification (its MAX_WINDOW guardrail, a DoS bound). */
const MAX_CODES_PER_VERIFICATION = HKP_GUARDRAILS.MAX_WINDOW;

function checkWindow(value: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new OtpError('OTP_INVALID_WINDOW', `${name} must be an integer from 0 to ${max}.`);
  return value;
}

/** A token of the wrong shape is simply not valid; otplib would throw instead. */
function isWellFormedToken(token: unknown, digits: number): token is string {
  return typeof token === 'string' && token.length === digits && /^[0-9]+$/.test(token);
}

/** The credential's parameters with their defaults, checked by the protocol's rules (OtpError otherwise). */
function checkedCredential(secret: Uint8Array, options: TotpOptions): { algorithm: HashAlgorithm; digits: number; period: number; t0: number } {
  const { algorithm, digits, period, t0 } = createOtpEngine(secret, options);
  return { algorithm: algorithm.toLowerCase() as HashAlgorithm, digits, period, t0 };
}

export function verifyHotp(options: VerifyHotpOptions): VerifyHotpResult {
  const { algorithm, digits } = checkedCredential(options.secret, { algorithm: options.algorithm, digits: options.digits });
  const lookAhead = checkWindow(options.lookAhead ?? 0, MAX_CODES_PER_VERIFICATION - 1, 'lookAhead');
  const { counter } = options;
  // otplib counts in doubles: keep every counter it will try exact.
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > Number.MAX_SAFE_INTEGER - lookAhead) {
    throw new OtpError('OTP_COUNTER_RANGE', 'verifyHotp needs counter + lookAhead from 0 to 2^53-1.');
  }
  if (!isWellFormedToken(options.token, digits)) return { valid: false };
  const result = verifySync({
    strategy: 'hotp',
    secret: options.secret,
    token: options.token,
    counter,
    counterTolerance: [0, lookAhead],
    algorithm,
    digits,
    guardrails: HKP_GUARDRAILS,
  });
  return result.valid ? { valid: true, counter: counter + result.delta } : { valid: false };
}

export function verifyTotp(options: VerifyTotpOptions): VerifyTotpResult {
  const { algorithm, digits, period, t0 } = checkedCredential(options.secret, options);
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
    algorithm,
    digits,
    guardrails: HKP_GUARDRAILS,
  });
  return result.valid ? { valid: true, step: step + result.delta, delta: result.delta } : { valid: false };
}
