/**
 * The OTP credential to write: a supplied secret plus its parameters, from flags (or batch columns) for a bare
 * secret, or from the otpauth URI, whose parameters a contradicting flag may not silently override.
 */
import {
  DEFAULT_OTP_ALGORITHM,
  DEFAULT_OTP_DIGITS,
  DEFAULT_TOTP_PERIOD,
  Limits,
  MAX_OTP_COUNTER,
  type OtpAlgorithm,
  type OtpCounter,
  type OtpDigits,
  isOtpAlgorithm,
} from '@hkey/protocol';
import { CliError } from './cli-error.js';
import type { SuppliedSecret } from './secret-input.js';

/** An OTP credential with every parameter explicit, so the host can compute the same codes as the key. */
export type ResolvedOtp =
  | { secret: Uint8Array; kind: 'TOTP'; algorithm: OtpAlgorithm; digits: OtpDigits; period: number }
  | { secret: Uint8Array; kind: 'HOTP'; algorithm: OtpAlgorithm; digits: OtpDigits; counter: OtpCounter };

/** OTP parameters as given on the command line or in a batch row; all text or numbers, all optional. */
export interface OtpParameterInput {
  type?: string;
  algorithm?: string;
  digits?: string | number;
  period?: string | number;
  counter?: string | number;
}

/** How an error names a parameter: `--digits` on the command line, `column digits` in a batch file. */
export type FieldName = (field: keyof OtpParameterInput) => string;

/** A bad OTP parameter; `field` is the parameter, so a batch file can point at its column. */
export class OtpParameterError extends CliError {
  constructor(
    readonly field: keyof OtpParameterInput,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

const optionName: FieldName = (field) => (field === 'type' ? '--totp/--hotp' : `--${field}`);

function decimal(value: string | number, field: keyof OtpParameterInput, name: FieldName, min: number, max: number): number {
  const text = String(value).trim();
  const parsed = Number(text);
  if (!/^[0-9]+$/.test(text) || parsed < min || parsed > max)
    throw new OtpParameterError(field, 'USAGE_OTP_PARAMETER', `${name(field)} must be a whole number from ${min} to ${max}.`);
  return parsed;
}

function counterValue(value: string | number, name: FieldName): OtpCounter {
  const text = String(value).trim();
  if (!/^[0-9]{1,20}$/.test(text) || BigInt(text) > MAX_OTP_COUNTER)
    throw new OtpParameterError('counter', 'USAGE_OTP_PARAMETER', `${name('counter')} must be a whole number from 0 to ${MAX_OTP_COUNTER}.`);
  const counter = BigInt(text);
  return counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter;
}

function parseParameters(input: OtpParameterInput, name: FieldName) {
  const type = input.type?.trim().toUpperCase();
  if (type !== undefined && type !== 'TOTP' && type !== 'HOTP')
    throw new OtpParameterError('type', 'USAGE_OTP_PARAMETER', `${name('type')} must be totp or hotp.`);
  const algorithm = input.algorithm?.trim().toUpperCase();
  if (algorithm !== undefined && !isOtpAlgorithm(algorithm))
    throw new OtpParameterError('algorithm', 'USAGE_OTP_PARAMETER', `${name('algorithm')} must be SHA1, SHA256 or SHA512.`);
  return {
    type,
    algorithm,
    digits: input.digits === undefined ? undefined : (decimal(input.digits, 'digits', name, 6, 8) as OtpDigits),
    period: input.period === undefined ? undefined : decimal(input.period, 'period', name, 1, Limits.maxPeriodSeconds),
    counter: input.counter === undefined ? undefined : counterValue(input.counter, name),
  };
}

/** Combines the supplied secret with the parameters; everything is checked before anything is written. */
export function resolveOtp(supplied: SuppliedSecret, input: OtpParameterInput, name: FieldName = optionName): ResolvedOtp {
  const given = parseParameters(input, name);
  if (supplied.kind === 'uri') {
    const { uri } = supplied;
    const conflict = (field: keyof OtpParameterInput, mine: unknown, theirs: unknown): void => {
      if (mine !== undefined && String(mine) !== String(theirs)) {
        throw new OtpParameterError(
          field,
          'USAGE_URI_CONFLICT',
          `${name(field)} contradicts the otpauth URI's ${field === 'type' ? 'type' : `${field} parameter`}: drop one of them.`,
        );
      }
    };
    conflict('type', given.type, uri.type.toUpperCase());
    conflict('algorithm', given.algorithm, uri.algorithm);
    conflict('digits', given.digits, uri.digits);
    if (uri.type === 'totp') {
      if (given.counter !== undefined)
        throw new OtpParameterError('counter', 'USAGE_OTP_PARAMETER', `${name('counter')} applies to HOTP only, and the URI is a totp URI.`);
      conflict('period', given.period, uri.period);
      return { secret: uri.secret, kind: 'TOTP', algorithm: uri.algorithm, digits: uri.digits, period: uri.period };
    }
    if (given.period !== undefined)
      throw new OtpParameterError('period', 'USAGE_OTP_PARAMETER', `${name('period')} applies to TOTP only, and the URI is an hotp URI.`);
    conflict('counter', given.counter, uri.counter);
    return { secret: uri.secret, kind: 'HOTP', algorithm: uri.algorithm, digits: uri.digits, counter: uri.counter };
  }
  const algorithm = (given.algorithm as OtpAlgorithm | undefined) ?? DEFAULT_OTP_ALGORITHM;
  const digits = given.digits ?? DEFAULT_OTP_DIGITS;
  if (given.type === 'HOTP') {
    if (given.period !== undefined) throw new OtpParameterError('period', 'USAGE_OTP_PARAMETER', `${name('period')} applies to TOTP only.`);
    return { secret: supplied.secret, kind: 'HOTP', algorithm, digits, counter: given.counter ?? 0 };
  }
  if (given.counter !== undefined) throw new OtpParameterError('counter', 'USAGE_OTP_PARAMETER', `${name('counter')} applies to HOTP only.`);
  return { secret: supplied.secret, kind: 'TOTP', algorithm, digits, period: given.period ?? DEFAULT_TOTP_PERIOD };
}

/** Whether any OTP parameter was given; they mean nothing without a secret. */
export function hasOtpParameters(input: OtpParameterInput): boolean {
  return Object.values(input).some((value) => value !== undefined);
}

/** The OTP parameters as a table cell: "TOTP SHA1 6 digits 30s". */
export function describeOtp(otp: { kind: string; algorithm?: string; digits?: number; period?: number; counter?: OtpCounter }): string {
  const detail = otp.kind === 'TOTP' ? `${otp.period ?? DEFAULT_TOTP_PERIOD}s` : `counter ${String(otp.counter ?? 0)}`;
  return `${otp.kind} ${otp.algorithm ?? DEFAULT_OTP_ALGORITHM} ${otp.digits ?? DEFAULT_OTP_DIGITS} digits ${detail}`;
}

/** The account name an otpauth URI suggests: ISSUER:ACCOUNT, as its label reads. */
export function accountNameFromUri(uri: { issuer?: string; accountName: string }): string {
  return uri.issuer === undefined ? uri.accountName : `${uri.issuer}:${uri.accountName}`;
}
