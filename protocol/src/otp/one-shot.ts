import { writeCounter, type OtpCounter } from './counter.js';
import type { HotpOptions, TotpOptions } from './engine.js';
import type { HmacFunction } from './hmac.js';
import { checkAlgorithm, checkDigits, checkSecret, DEFAULT_OTP_ALGORITHM, DEFAULT_OTP_DIGITS } from './parameters.js';
import { totpStep } from './time-step.js';
import { truncateToCode } from './truncate.js';

/** One HOTP code with the plain HMAC: no per-key state to set up for a single use (RFC 4226 §5). */
export function hotpWith(hmac: HmacFunction, secret: Uint8Array, counter: OtpCounter, options: HotpOptions = {}): string {
  checkSecret(secret);
  const algorithm = checkAlgorithm(options.algorithm ?? DEFAULT_OTP_ALGORITHM);
  const digits = checkDigits(options.digits ?? DEFAULT_OTP_DIGITS);
  const message = new Uint8Array(8);
  writeCounter(new DataView(message.buffer), counter);
  return truncateToCode(hmac(algorithm, secret, message), digits);
}

/** One TOTP code: HOTP over the time step (RFC 6238 §4). */
export function totpWith(hmac: HmacFunction, secret: Uint8Array, time: number, options: TotpOptions = {}): string {
  return hotpWith(hmac, secret, totpStep(time, options.period, options.t0), options);
}
