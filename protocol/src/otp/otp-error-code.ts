import { OtpError } from '../errors.js';

/** Stable OtpError codes (docs/protocol.md §7.1, §7.2). */
export type OtpErrorCode =
  'OTP_SECRET_LENGTH' | 'OTP_UNSUPPORTED_ALGORITHM' | 'OTP_INVALID_DIGITS' | 'OTP_INVALID_PERIOD' | 'OTP_COUNTER_RANGE' | 'OTP_TIME_RANGE';

export function otpError(code: OtpErrorCode, message: string): OtpError {
  return new OtpError(code, message);
}
