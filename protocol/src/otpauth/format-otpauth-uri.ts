import { isOtpAlgorithm } from '../otp/algorithm.js';
import { encodeBase32 } from '../secret/encode-base32.js';
import { checkDisplayText } from './display-text.js';
import { ACCOUNT_NAME_RULE, formatLabel } from './label.js';
import { otpauthError } from './otpauth-error-code.js';
import { invalidCounter, invalidPeriod, isValidCounter, isValidPeriod } from './parameter-values.js';
import { invalidSecretLength, isValidSecret } from './secret-value.js';
import type { OtpauthParameters } from './types.js';

/**
 * Formats a Key Uri Format URI with every parameter explicit (docs/protocol.md §7.4). Checks the same rules as
 * parseOtpauthUri, so parsing the result gives back `params` exactly.
 */
export function formatOtpauthUri(params: OtpauthParameters): string {
  const { type, issuer, algorithm, digits } = params;
  if (type !== 'totp' && type !== 'hotp') throw otpauthError('OTPAUTH_INVALID_TYPE', 'type', 'The type must be totp or hotp.');
  const accountName = checkDisplayText(params.accountName, ACCOUNT_NAME_RULE);
  if (issuer !== undefined) checkDisplayText(issuer, { field: 'issuer', what: 'The issuer', allowColon: true });
  if (!isValidSecret(params.secret)) throw invalidSecretLength();
  if (!isOtpAlgorithm(algorithm)) throw otpauthError('OTPAUTH_UNSUPPORTED_ALGORITHM', 'algorithm', 'The algorithm must be SHA1, SHA256 or SHA512.');
  if (digits !== 6 && digits !== 7 && digits !== 8) throw otpauthError('OTPAUTH_INVALID_DIGITS', 'digits', 'digits must be 6, 7 or 8.');
  const query = [`secret=${encodeBase32(params.secret)}`];
  if (issuer !== undefined) query.push(`issuer=${encodeURIComponent(issuer)}`);
  query.push(`algorithm=${algorithm}`, `digits=${digits}`);
  if (params.type === 'totp') {
    if (!isValidPeriod(params.period)) throw invalidPeriod();
    query.push(`period=${params.period}`);
  } else {
    if (!isValidCounter(params.counter)) throw invalidCounter();
    query.push(`counter=${params.counter}`);
  }
  return `otpauth://${type}/${formatLabel(accountName, issuer)}?${query.join('&')}`;
}
