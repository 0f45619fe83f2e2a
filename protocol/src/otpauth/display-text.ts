import { otpauthError } from './otpauth-error-code.js';

// C0 and C1 controls, DEL, and unpaired surrogates: nothing an authenticator should display or encode.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface DisplayTextRule {
  field: 'label' | 'issuer';
  /** Names the value in messages, e.g. "The account name". */
  what: string;
  /** Only the issuer parameter may contain ':'; in the label it is the separator. */
  allowColon: boolean;
}

/**
 * Checks an issuer or account name: not empty, no controls, no surrounding whitespace (the parser trims it, so
 * the formatter must not emit it), and no ':' where the label uses it as the separator (docs/protocol.md §7.4).
 */
export function checkDisplayText(value: unknown, rule: DisplayTextRule): string {
  const code = rule.field === 'label' ? 'OTPAUTH_INVALID_LABEL' : 'OTPAUTH_INVALID_ISSUER';
  const fail = (problem: string): never => {
    throw otpauthError(code, rule.field, `${rule.what} ${problem}.`);
  };
  if (typeof value !== 'string' || value.length === 0) fail('must not be empty');
  const text = value as string;
  if (FORBIDDEN.test(text)) fail('contains a control character or an unpaired surrogate');
  if (text.trim() !== text) fail('must not start or end with whitespace');
  if (!rule.allowColon && text.includes(':')) fail("must not contain ':' (the label separator)");
  return text;
}
