/**
 * The HKP/1 command table (docs/protocol.md §4): codes, parameter and result schemas, required
 * state and the statuses each command can return. The device, the client and the spec tables use it.
 */
import { type Infer, type Schema, optional, required } from './schema.js';
import { Limits } from '../limits.js';
import type { StatusName } from '../status.js';
import {
  Lifecycle,
  PinState,
  accountFlags,
  accountId,
  accountName,
  accountSummary,
  apps,
  AccountSchema,
  login,
  otpCredential,
  password,
  pin,
  urls,
} from './fields.js';
import { MAX_TOTP_TIME } from '../otp/time-step.js';
import { arrayOf, bool, bytes, enumeration, text, uint, uint64 } from './types.js';

/** When the user must touch the key (docs/protocol.md §6.3). */
export type UserPresence = 'none' | 'press' | 'press-if-flagged' | 'hold';

export interface CommandDefinition<Req extends Schema = Schema, Res extends Schema = Schema> {
  readonly code: number;
  readonly request: Req;
  readonly response: Res;
  /** Whether the command answers PIN_REQUIRED while a PIN is set and the session has not verified it. */
  readonly needsUnlock: boolean;
  /** Whether the command is accepted while the PIN is blocked. */
  readonly allowedWhenBlocked: boolean;
  readonly userPresence: UserPresence;
  /** Statuses specific to this command; the common ones of §3.5 apply to all. */
  readonly statuses: readonly StatusName[];
  readonly doc: string;
}

function command<const Req extends Schema, const Res extends Schema>(definition: CommandDefinition<Req, Res>): CommandDefinition<Req, Res> {
  return definition;
}

/** Capability bits of GetInfo (docs/protocol.md §4.1). */
export const Capability = { TOTP: 0x01, HOTP: 0x02, PASSWORDS: 0x04, HID: 0x08, BLE: 0x10, PIN: 0x20 } as const;

const empty = {} as const;
const unlocked = { needsUnlock: true, allowedWhenBlocked: false } as const;
const always = { needsUnlock: false, allowedWhenBlocked: true } as const;

export const Commands = {
  GetInfo: command({
    code: 0x01,
    ...always,
    userPresence: 'none',
    doc: 'Identity, versions, capabilities, limits, storage, clock, battery and PIN state.',
    request: empty,
    response: {
      serial: required(1, text(1, 32), 'Serial number, unique per key.'),
      model: required(2, text(1, 32), 'Model name.'),
      firmware: required(3, text(1, 32), 'Firmware version, "major.minor.build".'),
      protocolVersion: required(4, uint(1, 255), 'HKP protocol version: 1.'),
      capabilities: required(5, uint(0, 0xffff), 'Capability bitfield (§4.1).'),
      maxMessageBytes: required(6, uint(64, Limits.maxMessageBytes), 'Largest message the key accepts.'),
      storageTotal: required(7, uint(0, 0xffff_ffff), 'Storage capacity in bytes (§5.3).'),
      storageFree: required(8, uint(0, 0xffff_ffff), 'Free storage in bytes (§5.3).'),
      time: required(9, uint64(), 'Device clock, Unix seconds.'),
      battery: required(10, uint(0, 100), 'Battery level in percent.'),
      locked: required(11, bool(), 'True while a PIN is set and this session has not verified it.'),
      pinState: required(12, enumeration(PinState), 'PIN state.'),
      pinRetries: required(13, uint(0, Limits.pinRetriesMax), 'PIN attempts left before the key blocks.'),
      pinMaxRetries: required(14, uint(Limits.pinRetriesMin, Limits.pinRetriesMax), 'PIN attempts allowed after a correct PIN.'),
      accountCount: required(15, uint(0, 0xffff), 'Number of accounts, hidden ones included.'),
      lifecycle: optional(16, enumeration(Lifecycle), 'Lifecycle state (§10.6); absent on keys without sealed provisioning.'),
    },
    statuses: [],
  }),
  SetTime: command({
    code: 0x02,
    ...unlocked,
    userPresence: 'none',
    doc: 'Sets the device clock that TOTP uses.',
    request: { time: required(1, uint(0, MAX_TOTP_TIME), 'Unix seconds, up to 8640000000000 (the end of the time range of §7.2).') },
    response: empty,
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED'],
  }),
  SetPin: command({
    code: 0x03,
    needsUnlock: false,
    allowedWhenBlocked: false,
    userPresence: 'press',
    doc: 'Sets the first PIN of a fresh key; the session is then unlocked.',
    request: {
      pin: required(1, pin, 'The new PIN.', { secret: true }),
      maxRetries: optional(2, uint(Limits.pinRetriesMin, Limits.pinRetriesMax), 'Retry counter; default 8.'),
    },
    response: empty,
    statuses: ['PIN_ALREADY_SET', 'PIN_BLOCKED', 'PIN_POLICY_VIOLATION', 'USER_PRESENCE_DENIED', 'USER_PRESENCE_TIMEOUT', 'CANCELLED', 'STORAGE_FAILURE'],
  }),
  ChangePin: command({
    code: 0x04,
    needsUnlock: false,
    allowedWhenBlocked: false,
    userPresence: 'none',
    doc: 'Replaces the PIN after checking the current one (same retry rules as VerifyPin).',
    request: {
      currentPin: required(1, pin, 'The current PIN.', { secret: true }),
      newPin: required(2, pin, 'The new PIN.', { secret: true }),
    },
    response: empty,
    statuses: ['PIN_NOT_SET', 'PIN_INVALID', 'PIN_BLOCKED', 'PIN_POLICY_VIOLATION', 'STORAGE_FAILURE'],
  }),
  VerifyPin: command({
    code: 0x05,
    needsUnlock: false,
    allowedWhenBlocked: false,
    userPresence: 'none',
    doc: 'Checks the PIN and unlocks this session; the retry counter is decremented and persisted before the comparison.',
    request: { pin: required(1, pin, 'The PIN.', { secret: true }) },
    response: { retries: required(1, uint(0, Limits.pinRetriesMax), 'Attempts left (reset to the maximum on success).') },
    statuses: ['PIN_NOT_SET', 'PIN_INVALID', 'PIN_BLOCKED', 'PIN_EXPIRED', 'STORAGE_FAILURE'],
  }),
  Lock: command({
    code: 0x06,
    needsUnlock: false,
    allowedWhenBlocked: false,
    userPresence: 'none',
    doc: 'Locks this session: PIN-protected commands answer PIN_REQUIRED until VerifyPin.',
    request: empty,
    response: empty,
    statuses: ['PIN_BLOCKED'],
  }),
  AccountList: command({
    code: 0x10,
    ...unlocked,
    userPresence: 'none',
    doc: 'Lists accounts in id order, one page per call.',
    request: {
      offset: optional(1, uint(0, 0xffff), 'Index of the first account to return; default 0.'),
      includeHidden: optional(2, bool(), 'Whether hidden accounts are listed; default false.'),
    },
    response: {
      accounts: required(1, arrayOf(accountSummary, 32), 'Accounts from offset on, as many as fit one message (at most 32).'),
      total: required(2, uint(0, 0xffff), 'Number of accounts the listing covers (hidden ones only if asked).'),
    },
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED'],
  }),
  AccountGet: command({
    code: 0x11,
    ...unlocked,
    userPresence: 'none',
    doc: 'Reads one account: never its secret, never its password.',
    request: { id: required(1, accountId, 'Account id.') },
    response: AccountSchema,
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED', 'ACCOUNT_NOT_FOUND'],
  }),
  AccountCreate: command({
    code: 0x12,
    ...unlocked,
    userPresence: 'none',
    doc: 'Creates an account atomically: either all of it is stored or nothing.',
    request: {
      name: required(2, accountName, 'Display name, unique on the key.'),
      login: optional(3, login, 'User name or e-mail.'),
      password: optional(4, password, 'Password; leaves the key only through GetPassword.', { secret: true }),
      urls: optional(6, urls, 'Web sites.'),
      apps: optional(7, apps, 'Application names.'),
      flags: optional(8, accountFlags, 'Flags bitfield; default 0.'),
      otp: optional(9, otpCredential, 'OTP credential; the secret is write-only.'),
    },
    response: {
      id: required(1, accountId, 'The new account id.'),
      storageFree: required(2, uint(0, 0xffff_ffff), 'Free storage after the write.'),
    },
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED', 'ACCOUNT_NAME_TAKEN', 'STORAGE_FULL', 'STORAGE_FAILURE'],
  }),
  AccountUpdate: command({
    code: 0x13,
    ...unlocked,
    userPresence: 'none',
    doc: 'Changes the given fields of an account atomically; `clear` removes optional fields.',
    request: {
      id: required(1, accountId, 'Account id.'),
      name: optional(2, accountName, 'New display name.'),
      login: optional(3, login, 'New login.'),
      password: optional(4, password, 'New password.', { secret: true }),
      urls: optional(6, urls, 'New web sites (replaces the list).'),
      apps: optional(7, apps, 'New application names (replaces the list).'),
      flags: optional(8, accountFlags, 'New flags.'),
      otp: optional(9, otpCredential, 'New OTP credential (replaces the old one, secret included).'),
      clear: optional(10, uint(1, 0x1f), 'Fields to remove: 0x01 login, 0x02 password, 0x04 urls, 0x08 apps, 0x10 otp.'),
    },
    response: { storageFree: required(1, uint(0, 0xffff_ffff), 'Free storage after the write.') },
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_READ_ONLY', 'ACCOUNT_NAME_TAKEN', 'STORAGE_FULL', 'STORAGE_FAILURE'],
  }),
  AccountDelete: command({
    code: 0x14,
    ...unlocked,
    userPresence: 'none',
    doc: 'Deletes an account and its secret.',
    request: { id: required(1, accountId, 'Account id.') },
    response: { storageFree: required(1, uint(0, 0xffff_ffff), 'Free storage after the delete.') },
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_READ_ONLY', 'STORAGE_FAILURE'],
  }),
  GetOtp: command({
    code: 0x20,
    ...unlocked,
    userPresence: 'press-if-flagged',
    doc:
      'Computes the current OTP of an account: TOTP on the device clock, or HOTP with the stored counter, ' +
      'which is incremented and persisted before the code leaves the key.',
    request: { id: required(1, accountId, 'Account id.') },
    response: {
      code: required(1, text(6, 8, { regex: /^[0-9]{6,8}$/, meaning: '6 to 8 ASCII digits' }), 'The one-time password.'),
      validUntil: optional(2, uint64(), 'TOTP: the device time (Unix seconds) at which the code expires.'),
      counter: optional(3, uint64(), 'HOTP: the counter value the code was computed with.'),
    },
    statuses: [
      'PIN_REQUIRED',
      'PIN_BLOCKED',
      'ACCOUNT_NOT_FOUND',
      'NO_OTP',
      'OTP_COUNTER_EXHAUSTED',
      'USER_PRESENCE_DENIED',
      'USER_PRESENCE_TIMEOUT',
      'CANCELLED',
      'STORAGE_FAILURE',
    ],
  }),
  GetPassword: command({
    code: 0x21,
    ...unlocked,
    userPresence: 'press',
    doc: 'Returns the password of an account after a button press.',
    request: { id: required(1, accountId, 'Account id.') },
    response: { password: required(1, password, 'The password.', { secret: true }) },
    statuses: ['PIN_REQUIRED', 'PIN_BLOCKED', 'ACCOUNT_NOT_FOUND', 'NO_PASSWORD', 'USER_PRESENCE_DENIED', 'USER_PRESENCE_TIMEOUT', 'CANCELLED'],
  }),
  Wink: command({
    code: 0x30,
    ...always,
    userPresence: 'none',
    doc: 'Blinks the LED so the user can tell which key this is.',
    request: empty,
    response: empty,
    statuses: [],
  }),
  Wipe: command({
    code: 0x3f,
    ...always,
    userPresence: 'hold',
    doc: 'Erases every account, secret and the PIN after a 10-second button hold; the identity stays.',
    request: empty,
    response: empty,
    statuses: ['USER_PRESENCE_DENIED', 'USER_PRESENCE_TIMEOUT', 'USER_PRESENCE_HOLD_TOO_SHORT', 'CANCELLED', 'STORAGE_FAILURE'],
  }),
  // Sealed provisioning (§10); listed last so the sections of §4 that came before keep their numbers.
  GetIdentity: command({
    code: 0x07,
    ...always,
    userPresence: 'none',
    doc: "The key's provisioning identity: public keys, certificate chain, lifecycle state and issuer (§10.2).",
    request: empty,
    response: {
      serial: required(1, text(1, 32), 'Serial number, as in the device certificate.'),
      kemPublicKey: required(2, bytes(65, 65), 'HPKE recipient key: P-256, SEC1 uncompressed.'),
      signingPublicKey: required(3, bytes(65, 65), 'Key that signs receipts: P-256, SEC1 uncompressed; certified by the device certificate.'),
      certificates: required(
        4,
        arrayOf(arrayOf(bytes(1, 256), 16), 4),
        'Certificate chain, device certificate first, up to the manufacturer root; each DER certificate in chunks of at most 256 bytes.',
      ),
      lifecycle: required(5, enumeration(Lifecycle), 'Lifecycle state (§10.6).'),
      issuerId: optional(6, bytes(16, 16), 'The enrolled issuer: the first 16 bytes of SHA-256 of its public key.'),
      sequence: optional(7, uint(0, 0xffff_ffff), 'The last sealed item of that issuer the key applied (0: none).'),
    },
    statuses: [],
  }),
  EnrollIssuer: command({
    code: 0x08,
    needsUnlock: false,
    allowedWhenBlocked: false,
    userPresence: 'press',
    doc: "Makes the key obey one issuer after a button press; a second issuer needs the first one's handover signature (§10.3).",
    request: {
      issuerPublicKey: required(1, bytes(65, 65), "The issuer's P-256 signing key, SEC1 uncompressed."),
      handoverSignature: optional(2, bytes(64, 64), "The enrolled issuer's signature handing the key over (§10.3)."),
    },
    response: { issuerId: required(1, bytes(16, 16), 'The issuer id the key now obeys.') },
    statuses: ['PIN_BLOCKED', 'ISSUER_MISMATCH', 'LIFECYCLE_FORBIDS', 'USER_PRESENCE_DENIED', 'USER_PRESENCE_TIMEOUT', 'CANCELLED', 'STORAGE_FAILURE'],
  }),
  ApplySealed: command({
    code: 0x09,
    ...always,
    userPresence: 'none',
    doc: 'Checks, decrypts and applies one sealed item of the enrolled issuer; always answers with a receipt signed by the key (§10.4).',
    request: {
      header: required(1, bytes(1, 256), 'The item header (§10.4.1), in clear.'),
      enc: required(2, bytes(65, 65), 'HPKE encapsulated key.'),
      ciphertext: required(3, arrayOf(bytes(1, 256), 24), 'The sealed operation, in chunks of at most 256 bytes.'),
      signature: required(4, bytes(64, 64), "The issuer's signature (§10.4.3)."),
    },
    response: {
      receipt: required(1, bytes(1, 256), 'The receipt (§10.5): the outcome, applied or refused with a status.'),
      signature: required(2, bytes(64, 64), "The key's signature over the receipt."),
    },
    statuses: ['STORAGE_FAILURE'],
  }),
} as const;

export type CommandName = keyof typeof Commands;
export type RequestOf<N extends CommandName> = Infer<(typeof Commands)[N]['request']>;
export type ResponseOf<N extends CommandName> = Infer<(typeof Commands)[N]['response']>;

const NAMES_BY_CODE = new Map<number, CommandName>((Object.keys(Commands) as CommandName[]).map((name) => [Commands[name].code, name]));

export function commandName(code: number): CommandName | undefined {
  return NAMES_BY_CODE.get(code);
}

/** Extra information some error statuses carry in their response map (docs/protocol.md §3.5). */
export const ErrorDetails = {
  PIN_INVALID: { retries: required(1, uint(0, Limits.pinRetriesMax), 'Attempts left.') },
  STORAGE_FULL: {
    needed: required(1, uint(0, 0xffff_ffff), 'Bytes the change needs.'),
    free: required(2, uint(0, 0xffff_ffff), 'Bytes free.'),
  },
} as const satisfies Partial<Record<StatusName, Schema>>;
