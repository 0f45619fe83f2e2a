import { writeCounter, type OtpCounter } from './counter.js';
import type { HmacBackend } from './hmac.js';
import {
  checkAlgorithm,
  checkDigits,
  checkPeriod,
  checkSecret,
  DEFAULT_OTP_ALGORITHM,
  DEFAULT_OTP_DIGITS,
  DEFAULT_TOTP_PERIOD,
  type OtpDigits,
} from './parameters.js';
import type { OtpAlgorithm } from './algorithm.js';
import { checkT0, totpStep } from './time-step.js';
import { truncateToCode } from './truncate.js';

export interface HotpOptions {
  /** Default SHA1. */
  algorithm?: OtpAlgorithm;
  /** Default 6. */
  digits?: OtpDigits;
}

export interface TotpOptions extends HotpOptions {
  /** Time step X in seconds, 1..3600; default 30. */
  period?: number;
  /** T0 in Unix seconds; default 0. */
  t0?: number;
}

/** One OTP credential with its key bound once: the device's hot path (docs/protocol.md §7.1, §7.2). */
export interface OtpEngine {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period: number;
  readonly t0: number;
  /** RFC 4226 HOTP code for `counter`. */
  hotp(counter: OtpCounter): string;
  /** RFC 6238 TOTP code for `time` in Unix seconds. */
  totp(time: number): string;
}

/**
 * Validates the credential once, binds its key, and reuses one 8-byte counter buffer, so each code costs one
 * range check, one keyed HMAC and one truncation.
 */
export function createOtpEngineWith(backend: HmacBackend, secret: Uint8Array, options: TotpOptions = {}): OtpEngine {
  checkSecret(secret);
  const algorithm = checkAlgorithm(options.algorithm ?? DEFAULT_OTP_ALGORITHM);
  const digits = checkDigits(options.digits ?? DEFAULT_OTP_DIGITS);
  const period = checkPeriod(options.period ?? DEFAULT_TOTP_PERIOD);
  const t0 = options.t0 ?? 0;
  checkT0(t0);
  const mac = backend.bindKey(algorithm, secret);
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  const hotp = (counter: OtpCounter): string => {
    writeCounter(view, counter);
    return truncateToCode(mac(message), digits);
  };
  return { algorithm, digits, period, t0, hotp, totp: (time) => hotp(totpStep(time, period, t0)) };
}
