import { parseLabel } from './label.js';
import { otpauthError } from './otpauth-error-code.js';
import { parseAlgorithm, parseCounter, parseDigits, parsePeriod } from './parameter-values.js';
import { readQuery } from './query.js';
import { parseSecret } from './secret-value.js';
import { checkDisplayText } from './display-text.js';
import type { OtpauthParameters, OtpauthParseOptions, OtpauthType } from './types.js';

const SCHEME = /^otpauth:\/\//i;

function parseType(text: string): OtpauthType {
  // The type is the URI's host, which RFC 3986 makes case-insensitive.
  const type = text.toLowerCase();
  if (type !== 'totp' && type !== 'hotp') throw otpauthError('OTPAUTH_INVALID_TYPE', 'type', 'The type must be totp or hotp.');
  return type;
}

function resolveIssuer(labelIssuer: string | undefined, parameter: string | undefined): string | undefined {
  if (parameter === undefined) return labelIssuer;
  const issuer = checkDisplayText(parameter.trim(), { field: 'issuer', what: 'The issuer parameter', allowColon: true });
  if (labelIssuer !== undefined && labelIssuer !== issuer) {
    throw otpauthError('OTPAUTH_ISSUER_MISMATCH', 'issuer', "The issuer parameter differs from the label's issuer prefix.");
  }
  return issuer;
}

/**
 * Parses a Key Uri Format URI, otpauth://TYPE/LABEL?PARAMETERS, strictly (docs/protocol.md §7.4): every problem
 * is an OtpauthError whose `field` names the part, and no message repeats the URI or its secret.
 */
export function parseOtpauthUri(uri: string, options: OtpauthParseOptions = {}): OtpauthParameters {
  if (typeof uri !== 'string' || !SCHEME.test(uri)) throw otpauthError('OTPAUTH_INVALID_SCHEME', 'scheme', 'The URI must start with otpauth://.');
  const rest = uri.slice('otpauth://'.length);
  if (rest.includes('#')) throw otpauthError('OTPAUTH_INVALID_ENCODING', 'fragment', "An otpauth URI has no fragment; a '#' in a value must be written %23.");
  const queryStart = rest.indexOf('?');
  const path = queryStart < 0 ? rest : rest.slice(0, queryStart);
  const slash = path.indexOf('/');
  const type = parseType(slash < 0 ? path : path.slice(0, slash));
  if (slash < 0) throw otpauthError('OTPAUTH_INVALID_LABEL', 'label', 'The URI has no label.');
  const label = parseLabel(path.slice(slash + 1));
  const query = readQuery(queryStart < 0 ? '' : rest.slice(queryStart + 1), type, options.allowUnknownParameters === true);

  const secretText = query.get('secret');
  if (secretText === undefined || secretText === '') throw otpauthError('OTPAUTH_MISSING_SECRET', 'secret', 'The URI has no secret parameter.');
  const common = {
    accountName: label.accountName,
    secret: parseSecret(secretText),
    algorithm: parseAlgorithm(query.get('algorithm') ?? 'SHA1'),
    digits: parseDigits(query.get('digits') ?? '6'),
  };
  const issuer = resolveIssuer(label.issuer, query.get('issuer'));
  const withIssuer = issuer === undefined ? common : { ...common, issuer };
  if (type === 'totp') return { type, ...withIssuer, period: parsePeriod(query.get('period') ?? '30') };
  const counter = query.get('counter');
  if (counter === undefined) throw otpauthError('OTPAUTH_MISSING_COUNTER', 'counter', 'An hotp URI needs a counter parameter.');
  return { type, ...withIssuer, counter: parseCounter(counter) };
}
