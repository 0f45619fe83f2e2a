/**
 * Host-side checks of codes a key produced. Every code is checked with the protocol package's OTP engine (node:crypto
 * HMAC, key bound once); the first match for each distinct credential shape is also checked with otplib, an
 * implementation independent of that engine, so a bug in one cannot hide behind the other (the simulator computes
 * its codes with the same engine).
 *
 * Why once per shape and not every code: an engine bug is a property of the code path a credential takes, and the
 * path is chosen by the shape (kind, algorithm, digits, period, T0, secret length against the HMAC block, counter
 * width), not by the secret's bytes or the time. One agreement per shape proves the path; the engine then checks
 * every code, which catches what differs per row (a wrong secret stored, a clock off, a counter moved). otplib
 * (pure JavaScript hashes) costs about 7 times the engine per code, which made it most of a batch's host CPU.
 */
import { timingSafeEqual } from 'node:crypto';
import { type HotpOptions, Limits, OtpError, type OtpEngine, type TotpOptions, createOtpEngine, totpStep } from '@hkey/protocol';
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

/** At most this many codes per verification (otplib's MAX_WINDOW guardrail, a DoS bound), for both implementations. */
const MAX_CODES_PER_VERIFICATION = HKP_GUARDRAILS.MAX_WINDOW;

/** Credential shapes whose codes otplib has confirmed in this process (see the file comment). */
const confirmedShapes = new Set<string>();

function checkWindow(value: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new OtpError('OTP_INVALID_WINDOW', `${name} must be an integer from 0 to ${max}.`);
  return value;
}

/** A token of the wrong shape is simply not valid; otplib would throw instead. */
function isWellFormedToken(token: unknown, digits: number): token is string {
  return typeof token === 'string' && token.length === digits && /^[0-9]+$/.test(token);
}

const sameCode = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The first of `counters` (in order) whose code is `token`, by the engine. It stops there: where a code matched is
 * what the result says anyway, so the time taken tells nothing more, and most codes match the first candidate.
 */
function engineMatch(engine: OtpEngine, token: string, counters: readonly number[]): number | undefined {
  return counters.find((counter) => sameCode(engine.hotp(counter), token));
}

/**
 * The engine's match, confirmed when the shape is new by `independent`: whether otplib too makes `token` at that
 * counter (asked for that one counter only, so two counters sharing a code by chance cannot look like a
 * disagreement). A disagreement means one implementation is wrong, so the code counts as not valid.
 */
function confirmed(shape: string, match: number | undefined, independent: (match: number) => boolean): number | undefined {
  if (match === undefined || confirmedShapes.has(shape)) return match;
  if (!independent(match)) return undefined;
  confirmedShapes.add(shape);
  return match;
}

const otplibAlgorithm = (engine: OtpEngine): HashAlgorithm => engine.algorithm.toLowerCase() as HashAlgorithm;

export function verifyHotp(options: VerifyHotpOptions): VerifyHotpResult {
  const { secret, token, counter } = options;
  const engine = createOtpEngine(secret, { algorithm: options.algorithm, digits: options.digits });
  const lookAhead = checkWindow(options.lookAhead ?? 0, MAX_CODES_PER_VERIFICATION - 1, 'lookAhead');
  // otplib counts in doubles: keep every counter either implementation will try exact.
  if (!Number.isSafeInteger(counter) || counter < 0 || counter > Number.MAX_SAFE_INTEGER - lookAhead) {
    throw new OtpError('OTP_COUNTER_RANGE', 'verifyHotp needs counter + lookAhead from 0 to 2^53-1.');
  }
  if (!isWellFormedToken(token, engine.digits)) return { valid: false };
  const counters = Array.from({ length: lookAhead + 1 }, (_, offset) => counter + offset);
  const wide = counter + lookAhead > 0xffff_ffff;
  const shape = JSON.stringify(['HOTP', engine.algorithm, engine.digits, secret.length, wide]);
  const match = confirmed(shape, engineMatch(engine, token, counters), (matched) => {
    const algorithm = otplibAlgorithm(engine);
    return verifySync({ strategy: 'hotp', secret, token, counter: matched, algorithm, digits: engine.digits, guardrails: HKP_GUARDRAILS }).valid;
  });
  return match === undefined ? { valid: false } : { valid: true, counter: match };
}

export function verifyTotp(options: VerifyTotpOptions): VerifyTotpResult {
  const { secret, token, time } = options;
  const engine = createOtpEngine(secret, options);
  const { period, t0 } = engine;
  const step = totpStep(time, period, t0);
  const window = checkWindow(options.window ?? 1, (MAX_CODES_PER_VERIFICATION - 1) / 2, 'window');
  if (!isWellFormedToken(token, engine.digits)) return { valid: false };
  // The current step first, then outwards, past before future; steps before T0 do not exist.
  const steps = [step];
  for (let distance = 1; distance <= window; distance++) steps.push(step - distance, step + distance);
  const candidates = steps.filter((candidate) => candidate >= 0);
  const wide = step + window > 0xffff_ffff;
  const shape = JSON.stringify(['TOTP', engine.algorithm, engine.digits, period, t0, secret.length, wide]);
  const match = confirmed(shape, engineMatch(engine, token, candidates), (matched) => {
    const algorithm = otplibAlgorithm(engine);
    // The first second of the matched step, with no tolerance: otplib computes exactly that step's code.
    const epoch = t0 + matched * period;
    return verifySync({ strategy: 'totp', secret, token, epoch, t0, period, algorithm, digits: engine.digits, guardrails: HKP_GUARDRAILS }).valid;
  });
  return match === undefined ? { valid: false } : { valid: true, step: match, delta: match - step };
}
