import { checkPeriod, DEFAULT_TOTP_PERIOD } from './parameters.js';
import { otpError } from './otp-error-code.js';

/**
 * The latest time TOTP accepts: 8.64e15 ms, the end of the JavaScript Date range (year 275760). Far past 2038 and
 * past 2^32 steps at period 1, yet small enough that every step and step boundary is an exact integer.
 */
export const MAX_TOTP_TIME = 8_640_000_000_000;

/** T0 is a whole number of Unix seconds in 0..MAX_TOTP_TIME. */
export function checkT0(t0: number): void {
  if (!Number.isInteger(t0) || t0 < 0 || t0 > MAX_TOTP_TIME) {
    throw otpError('OTP_TIME_RANGE', `TOTP T0 must be a whole number of seconds from 0 to ${MAX_TOTP_TIME}.`);
  }
}

function checkTime(time: number, t0: number): void {
  if (typeof time !== 'number' || !(time >= t0 && time <= MAX_TOTP_TIME)) {
    throw otpError('OTP_TIME_RANGE', `TOTP time must be in seconds from T0 to ${MAX_TOTP_TIME}.`);
  }
}

/**
 * RFC 6238 §4.2: T = floor((time - T0) / X). Fractional times count as the whole second they fall in, so a
 * time exactly on a boundary T0 + k*X belongs to step k (docs/protocol.md §7.2).
 */
export function totpStep(time: number, period: number = DEFAULT_TOTP_PERIOD, t0 = 0): number {
  checkPeriod(period);
  checkT0(t0);
  checkTime(time, t0);
  // Exact: for integers below 2^52 the rounded quotient can never reach the next integer.
  return Math.floor(Math.floor(time - t0) / period);
}

/** The first time (seconds) at which the code for `time` is no longer current: T0 + (T + 1) * X. */
export function totpValidUntil(time: number, period: number = DEFAULT_TOTP_PERIOD, t0 = 0): number {
  return t0 + (totpStep(time, period, t0) + 1) * period;
}

/** Seconds left before the code for `time` expires, in (0, period]. */
export function totpRemainingSeconds(time: number, period: number = DEFAULT_TOTP_PERIOD, t0 = 0): number {
  return totpValidUntil(time, period, t0) - time;
}
