import { createGuardrails, type HashAlgorithm } from 'otplib';
import { Limits } from '../messages/fields.js';
import type { OtpAlgorithm } from './algorithm.js';
import type { OtpDigits } from './parameters.js';

/** otplib's limits widened to HKP/1's (docs/protocol.md §5.1): secrets down to 10 bytes. */
export const HKP_GUARDRAILS = createGuardrails({
  MIN_SECRET_BYTES: Limits.secretMinBytes,
  MAX_SECRET_BYTES: Limits.secretMaxBytes,
  MAX_PERIOD: Limits.maxPeriodSeconds,
});

/** otplib computes at most this many codes per verification (its MAX_WINDOW guardrail, a DoS bound). */
export const MAX_CODES_PER_VERIFICATION = HKP_GUARDRAILS.MAX_WINDOW;

export function otplibAlgorithm(algorithm: OtpAlgorithm): HashAlgorithm {
  return algorithm.toLowerCase() as HashAlgorithm;
}

/** A token of the wrong shape is simply not valid; otplib would throw instead. */
export function isWellFormedToken(token: unknown, digits: OtpDigits): token is string {
  return typeof token === 'string' && token.length === digits && /^[0-9]+$/.test(token);
}
