import { OtpauthError } from '../errors.js';

/** Stable OtpauthError codes (docs/protocol.md §7.4). */
export type OtpauthErrorCode =
  | 'OTPAUTH_INVALID_SCHEME'
  | 'OTPAUTH_INVALID_TYPE'
  | 'OTPAUTH_INVALID_LABEL'
  | 'OTPAUTH_INVALID_ENCODING'
  | 'OTPAUTH_UNKNOWN_PARAMETER'
  | 'OTPAUTH_DUPLICATE_PARAMETER'
  | 'OTPAUTH_MISSING_SECRET'
  | 'OTPAUTH_INVALID_SECRET'
  | 'OTPAUTH_UNSUPPORTED_ALGORITHM'
  | 'OTPAUTH_INVALID_DIGITS'
  | 'OTPAUTH_INVALID_PERIOD'
  | 'OTPAUTH_MISSING_COUNTER'
  | 'OTPAUTH_INVALID_COUNTER'
  | 'OTPAUTH_INVALID_ISSUER'
  | 'OTPAUTH_ISSUER_MISMATCH';

/** Messages name fields, never values: a URI carries its secret (docs/protocol.md §6.4). */
export function otpauthError(code: OtpauthErrorCode, field: string, message: string, cause?: unknown): OtpauthError {
  return new OtpauthError(code, field, message, cause === undefined ? undefined : { cause });
}
