/** Shared field definitions of the HKP/1 data model (docs/protocol.md §5). */
import { Limits } from '../limits.js';
import { type Infer, optional, required } from './schema.js';
import { arrayOf, bool, bytes, enumeration, mapOf, text, uint, uint64 } from './types.js';

export const OtpKind = { TOTP: 0, HOTP: 1 } as const;
export const OtpAlgorithmCode = { SHA1: 1, SHA256: 2, SHA512: 3 } as const;
export const PinState = { NOT_SET: 0, SET: 1, BLOCKED: 2 } as const;
/** Where a key is in its managed life (docs/protocol.md §10.6), as Hideez Enterprise Server names the states. */
export const Lifecycle = { READY: 0, ACTIVE: 1, LOCKED: 2, SUSPENDED: 3, DEACTIVATED: 4, COMPROMISED: 5 } as const;
export type LifecycleName = keyof typeof Lifecycle;

/** Account flags bitfield (docs/protocol.md §5.1). */
export const AccountFlag = { READ_ONLY: 0x01, HIDDEN: 0x02, REQUIRES_TOUCH: 0x04, PRIMARY: 0x08 } as const;
export const ACCOUNT_FLAGS_MASK = 0x0f;

/** Fields the AccountUpdate `clear` bitfield can remove (docs/protocol.md §4.11). */
export const ClearField = { LOGIN: 0x01, PASSWORD: 0x02, URLS: 0x04, APPS: 0x08, OTP: 0x10 } as const;

export const accountId = uint(1, 0xffff);
/** Any PIN text is an attempt (and costs a retry); the 4..8-digit policy applies to new PINs only (docs/protocol.md §6.1). */
export const pin = text(1, 32);
export const PIN_POLICY = /^[0-9]{4,8}$/;

const otpParameters = {
  kind: required(2, enumeration(OtpKind), 'TOTP (time-based) or HOTP (counter-based).'),
  algorithm: optional(3, enumeration(OtpAlgorithmCode), 'HMAC hash; default SHA1.'),
  digits: optional(4, uint(6, 8), 'Code length; default 6.'),
  period: optional(5, uint(1, Limits.maxPeriodSeconds), 'TOTP step in seconds; default 30. TOTP only.'),
  counter: optional(6, uint64(), 'HOTP moving factor; default 0. HOTP only.'),
} as const;

function otpRule(value: { kind: string; period?: number; counter?: number | bigint }) {
  if (value.kind === 'TOTP' && value.counter !== undefined) return { field: 'counter', expectation: 'absent for TOTP' };
  if (value.kind === 'HOTP' && value.period !== undefined) return { field: 'period', expectation: 'absent for HOTP' };
  return undefined;
}

/** The OTP credential as written by the host; the secret is write-only (docs/protocol.md §5.1). */
export const OtpCredentialSchema = {
  secret: required(1, bytes(Limits.secretMinBytes, Limits.secretMaxBytes), 'The shared secret. Write-only: never returned.', { secret: true }),
  ...otpParameters,
} as const;

/** The OTP credential as the key reports it: everything but the secret. */
export const OtpInfoSchema = otpParameters;

export const otpCredential = mapOf(OtpCredentialSchema, otpRule);
export const otpInfo = mapOf(OtpInfoSchema, otpRule);

export type OtpCredential = Infer<typeof OtpCredentialSchema>;
export type OtpInfo = Infer<typeof OtpInfoSchema>;

export const accountName = text(1, Limits.accountNameBytes);
export const login = text(0, Limits.loginBytes);
export const password = text(0, Limits.passwordBytes);
export const urls = arrayOf(text(1, Limits.urlBytes), Limits.maxUrls);
export const apps = arrayOf(text(1, Limits.appBytes), Limits.maxApps);
export const accountFlags = uint(0, ACCOUNT_FLAGS_MASK);

/** An account as AccountGet returns it (docs/protocol.md §5.1): no secret, no password. */
export const AccountSchema = {
  id: required(1, accountId, 'Account id, assigned by the key.'),
  name: required(2, accountName, 'Display name, unique on the key.'),
  login: optional(3, login, 'User name or e-mail.'),
  hasPassword: required(5, bool(), 'Whether a password is stored (read it with GetPassword).'),
  urls: optional(6, urls, 'Web sites the account is for.'),
  apps: optional(7, apps, 'Application names the account is for.'),
  flags: required(8, accountFlags, 'Bitfield: 0x01 read-only, 0x02 hidden, 0x04 requires touch, 0x08 primary.'),
  otp: optional(9, otpInfo, 'OTP parameters, when the account has an OTP credential.'),
} as const;
export type Account = Infer<typeof AccountSchema>;

/** One entry of AccountList: the account without urls and apps. */
export const AccountSummarySchema = {
  id: AccountSchema.id,
  name: AccountSchema.name,
  login: AccountSchema.login,
  hasPassword: AccountSchema.hasPassword,
  flags: AccountSchema.flags,
  otp: AccountSchema.otp,
} as const;
export type AccountSummary = Infer<typeof AccountSummarySchema>;
export const accountSummary = mapOf(AccountSummarySchema);
