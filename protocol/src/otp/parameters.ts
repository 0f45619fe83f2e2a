import { Limits } from '../limits.js';
import { isOtpAlgorithm, type OtpAlgorithm } from './algorithm.js';
import { otpError } from './otp-error-code.js';

/** Code lengths HKP/1 allows (docs/protocol.md §5.1, §7.1). */
export type OtpDigits = 6 | 7 | 8;

export const DEFAULT_OTP_ALGORITHM: OtpAlgorithm = 'SHA1';
export const DEFAULT_OTP_DIGITS: OtpDigits = 6;
export const DEFAULT_TOTP_PERIOD = 30;

/** The secret must be 10..64 bytes (docs/protocol.md §5.1); RFC 4226 §4 asks for at least 16, 20 recommended. */
export function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length < Limits.secretMinBytes || secret.length > Limits.secretMaxBytes) {
    throw otpError('OTP_SECRET_LENGTH', `The OTP secret must be ${Limits.secretMinBytes} to ${Limits.secretMaxBytes} bytes.`);
  }
}

export function checkAlgorithm(algorithm: unknown): OtpAlgorithm {
  if (!isOtpAlgorithm(algorithm)) throw otpError('OTP_UNSUPPORTED_ALGORITHM', 'The OTP algorithm must be SHA1, SHA256 or SHA512.');
  return algorithm;
}

export function checkDigits(digits: unknown): OtpDigits {
  if (digits !== 6 && digits !== 7 && digits !== 8) throw otpError('OTP_INVALID_DIGITS', 'OTP digits must be 6, 7 or 8.');
  return digits;
}

/** Whole seconds, 1..3600 (docs/protocol.md §5.1). */
export function checkPeriod(period: unknown): number {
  if (!Number.isInteger(period) || (period as number) < 1 || (period as number) > Limits.maxPeriodSeconds) {
    throw otpError('OTP_INVALID_PERIOD', `The TOTP period must be a whole number of seconds from 1 to ${Limits.maxPeriodSeconds}.`);
  }
  return period as number;
}
