import { otpauthError } from './otpauth-error-code.js';

/**
 * Strict RFC 3986 percent-decoding to UTF-8 text: '%' must start a %XX escape and the bytes must be UTF-8.
 * In query values '+' means a space (HTML form encoding, which some issuers use); in the label it stays '+'.
 */
export function percentDecode(text: string, field: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? text.replaceAll('+', ' ') : text);
  } catch {
    throw otpauthError('OTPAUTH_INVALID_ENCODING', field, `The ${field} has a malformed percent-encoding or is not UTF-8.`);
  }
}
