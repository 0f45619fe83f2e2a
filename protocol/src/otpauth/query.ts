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

const ALL_NAMES = [...new Set([...PARAMETERS.totp, ...PARAMETERS.hotp])];

/**
 * An unknown name could be a piece of a mangled secret ("?secret=AB&CDEF..."), so it is named in `field` only
 * when it is a known name in the wrong case or for the other type; otherwise the error gives its position.
 */
function unknownParameter(name: string, index: number, type: OtpauthType): Error {
  if (ALL_NAMES.includes(name.toLowerCase())) {
    return otpauthError('OTPAUTH_UNKNOWN_PARAMETER', name, `A ${type} URI has no parameter of that name (names are lower case).`);
  }
  return otpauthError('OTPAUTH_UNKNOWN_PARAMETER', 'parameter', `Parameter ${index} of the query is not part of a ${type} URI.`);
}

/** Splits and decodes the query into known parameters, rejecting unknown, duplicate and malformed ones. */
export function readQuery(query: string, type: OtpauthType, allowUnknown: boolean): Map<string, string> {
  const values = new Map<string, string>();
  for (const [index, pair] of query.split('&').entries()) {
    if (pair === '') continue; // tolerate "?&secret=..." and a trailing '&'
    const equals = pair.indexOf('=');
    const name = equals < 0 ? pair : pair.slice(0, equals);
    if (DISPLAY_ONLY.includes(name)) continue;
    if (!PARAMETERS[type].includes(name)) {
      if (allowUnknown) continue;
      throw unknownParameter(name, index + 1, type);
    }
    if (equals < 0) throw otpauthError('OTPAUTH_INVALID_ENCODING', name, `The ${name} parameter has no '=' and value.`);
    if (values.has(name)) throw otpauthError('OTPAUTH_DUPLICATE_PARAMETER', name, `The ${name} parameter appears more than once.`);
    values.set(name, percentDecode(pair.slice(equals + 1), name, true));
  }
  return values;
}
