import { checkDisplayText, type DisplayTextRule } from './display-text.js';
import { otpauthError } from './otpauth-error-code.js';
import { percentDecode } from './percent-decode.js';

export const ACCOUNT_NAME_RULE: DisplayTextRule = { field: 'label', what: 'The account name', allowColon: false };
const LABEL_ISSUER_RULE: DisplayTextRule = { field: 'label', what: "The label's issuer prefix", allowColon: false };

export interface OtpauthLabel {
  issuer?: string;
  accountName: string;
}

/**
 * Key Uri Format label: accountname / issuer (":" / "%3A") *"%20" accountname. Spaces around either part are
 * dropped; a second ':' is an error because neither part may contain one (docs/protocol.md §7.4).
 */
export function parseLabel(rawLabel: string): OtpauthLabel {
  const parts = percentDecode(rawLabel, 'label', false).split(':');
  if (parts.length > 2) throw otpauthError('OTPAUTH_INVALID_LABEL', 'label', 'The label has more than one issuer separator.');
  const accountName = checkDisplayText(parts.at(-1)!.trim(), ACCOUNT_NAME_RULE);
  if (parts.length === 1) return { accountName };
  return { issuer: checkDisplayText(parts[0]!.trim(), LABEL_ISSUER_RULE), accountName };
}

/** The label an issuer and account name format to; an issuer containing ':' goes in the parameter only. */
export function formatLabel(accountName: string, issuer: string | undefined): string {
  const prefix = issuer !== undefined && !issuer.includes(':') ? `${encodeURIComponent(issuer)}:` : '';
  return prefix + encodeURIComponent(accountName);
}
