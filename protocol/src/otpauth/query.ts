import type { OtpauthType } from './types.js';
import { otpauthError } from './otpauth-error-code.js';
import { percentDecode } from './percent-decode.js';

/** Parameters each type accepts (docs/protocol.md §7.4). Names are case-sensitive. */
const PARAMETERS: Readonly<Record<OtpauthType, readonly string[]>> = {
  totp: ['secret', 'issuer', 'algorithm', 'digits', 'period'],
  hotp: ['secret', 'issuer', 'algorithm', 'digits', 'counter'],
};

/** Display-only extensions some issuers add; they cannot change a code, so they are accepted and ignored. */
const DISPLAY_ONLY = ['image', 'color'];

/**
 * A name is echoed in `field` only when it is too short to hold a secret: a 10-byte secret needs 16 base32
 * characters, so a mangled "JBSWY3DPEHPK3PXP=..." never leaks through an error.
 */
function fieldFor(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_-]{0,14}$/.test(name) ? name : 'parameter';
}

/** Splits and decodes the query into known parameters, rejecting unknown, duplicate and malformed ones. */
export function readQuery(query: string, type: OtpauthType, allowUnknown: boolean): Map<string, string> {
  const values = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue; // tolerate "?&secret=..." and a trailing '&'
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    if (DISPLAY_ONLY.includes(name)) continue;
    if (!PARAMETERS[type].includes(name)) {
      if (allowUnknown) continue;
      throw otpauthError('OTPAUTH_UNKNOWN_PARAMETER', fieldFor(name), `A ${type} URI has no parameter of that name (names are lower case).`);
    }
    if (equals < 0) throw otpauthError('OTPAUTH_INVALID_ENCODING', name, `The ${name} parameter has no '=' and value.`);
    if (values.has(name)) throw otpauthError('OTPAUTH_DUPLICATE_PARAMETER', name, `The ${name} parameter appears more than once.`);
    values.set(name, percentDecode(pair.slice(equals + 1), name, true));
  }
  return values;
}
