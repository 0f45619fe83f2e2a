import { Limits } from '../limits.js';
import { isOtpAlgorithm, type OtpAlgorithm } from '../otp/algorithm.js';
import type { OtpCounter } from '../otp/counter.js';
import { MAX_OTP_COUNTER } from '../otp/counter.js';
import type { OtpDigits } from '../otp/parameters.js';
import { otpauthError } from './otpauth-error-code.js';

// Plain decimal: no sign, no leading zeros, no spaces, so every number has exactly one spelling.
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

/** SHA1, SHA256 or SHA512; case-insensitive because some issuers write "sha256". */
export function parseAlgorithm(value: string): OtpAlgorithm {
  const algorithm = value.toUpperCase();
  if (!isOtpAlgorithm(algorithm)) throw otpauthError('OTPAUTH_UNSUPPORTED_ALGORITHM', 'algorithm', 'The algorithm must be SHA1, SHA256 or SHA512.');
  return algorithm;
}

export function parseDigits(value: string): OtpDigits {
  if (value !== '6' && value !== '7' && value !== '8') throw otpauthError('OTPAUTH_INVALID_DIGITS', 'digits', 'digits must be 6, 7 or 8.');
  return Number(value) as OtpDigits;
}

export function isValidPeriod(period: unknown): period is number {
  return Number.isInteger(period) && (period as number) >= 1 && (period as number) <= Limits.maxPeriodSeconds;
}

export function invalidPeriod(): Error {
  return otpauthError('OTPAUTH_INVALID_PERIOD', 'period', `period must be a whole number of seconds from 1 to ${Limits.maxPeriodSeconds}.`);
}

export function parsePeriod(value: string): number {
  const period = DECIMAL.test(value) && value.length <= 4 ? Number(value) : Number.NaN;
  if (!isValidPeriod(period)) throw invalidPeriod();
  return period;
}

export function isValidCounter(counter: unknown): counter is OtpCounter {
  if (typeof counter === 'number') return Number.isSafeInteger(counter) && counter >= 0;
  return typeof counter === 'bigint' && counter >= 0n && counter <= MAX_OTP_COUNTER;
}

export function invalidCounter(): Error {
  return otpauthError('OTPAUTH_INVALID_COUNTER', 'counter', 'counter must be a decimal integer from 0 to 2^64-1.');
}

/** A number when it is exact as one (up to 2^53-1), a bigint above. */
export function parseCounter(value: string): OtpCounter {
  if (!DECIMAL.test(value) || value.length > 20) throw invalidCounter();
  const counter = BigInt(value);
  if (counter > MAX_OTP_COUNTER) throw invalidCounter();
  return counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter;
}
