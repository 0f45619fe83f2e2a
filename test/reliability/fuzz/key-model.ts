/**
 * A reference model of one key, written from docs/protocol.md §3.6, §4, §5 and §6, that predicts the exact status
 * (and result) of every well-formed request. The "command parameters into the key" target runs fuzzed requests
 * against a VirtualKey and this model side by side; any difference is a failure with the request named.
 */
import {
  type Account,
  type CommandName,
  Commands,
  decodeReceipt,
  type DecodedRequest,
  type DecodedResponse,
  type OtpCredential,
  type RequestOf,
  type ResponseOf,
  type StatusName,
  hmac,
  hotp,
} from '@hkey/protocol';
import type { DeviceState, PresenceOutcome, PresenceSource, StoredAccount } from '@hkey/firmware-sim';
import { fail } from './oracle.js';
import { p256 } from '@noble/curves/nist.js';

function isP256Point(bytes: Uint8Array): boolean {
  try {
    p256.Point.fromBytes(bytes).assertValidity();
    return true;
  } catch {
    return false;
  }
}

const hexOf = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

const utf8 = new TextEncoder();
const bytesOf = (text: string | undefined): number => (text === undefined ? 0 : utf8.encode(text).length);
const MAX_COUNTER = 2n ** 64n - 1n;

export interface ModelOtp {
  readonly secret: Uint8Array;
  readonly kind: 'TOTP' | 'HOTP';
  readonly algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  readonly digits: number;
  readonly period?: number;
  readonly counter?: bigint;
}

export interface ModelAccount {
  readonly id: number;
  readonly name: string;
  readonly login?: string;
  readonly password?: string;
  readonly urls?: readonly string[];
  readonly apps?: readonly string[];
  readonly flags: number;
  readonly otp?: ModelOtp;
}

/** docs/protocol.md §5.3, written out again rather than imported, so the device's own accounting is under test. */
export function recordBytes(account: Omit<ModelAccount, 'id'>): number {
  const list = (items: readonly string[] | undefined): number => (items ?? []).reduce((sum, item) => sum + 1 + bytesOf(item), 0);
  return (
    24 +
    bytesOf(account.name) +
    bytesOf(account.login) +
    bytesOf(account.password) +
    list(account.urls) +
    list(account.apps) +
    (account.otp ? 16 + account.otp.secret.length : 0)
  );
}

export interface ModelPin {
  readonly value: string;
  readonly maxRetries: number;
  retries: number;
}

/** The button, told before each request what the user will do. */
export class ScriptedButton implements PresenceSource {
  next: Exclude<PresenceOutcome, 'timeout' | 'cancelled'> = 'approved';

  async request(request: { kind: 'press' | 'hold' }): Promise<PresenceOutcome> {
    // A press is never "too short"; only a hold can be (§6.3).
    return this.next === 'hold-too-short' && request.kind === 'press' ? 'approved' : this.next;
  }
}

export interface Prediction {
  readonly status: StatusName;
  /** Checks the decoded OK result or error details; throws on a mismatch. */
  readonly verify?: (response: DecodedResponse<CommandName>) => void;
  /** Applies the acknowledged change to the model. */
  readonly commit?: () => void;
}

const PIN_POLICY = /^[0-9]{4,8}$/;

/** JSON with sorted keys, no undefined fields, bigints as "123n" and bytes as hex: a comparison form. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) => {
    if (typeof item === 'bigint') return `${item}n`;
    if (item instanceof Uint8Array) return Buffer.from(item).toString('hex');
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) return Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)));
    return item;
  });
}

function same(actual: unknown, expected: unknown, what: string): void {
  if (canonical(actual) !== canonical(expected)) fail(`${what}: the key answered ${canonical(actual)}, the model expects ${canonical(expected)}`);
}

/** The model's view of `account` as AccountGet must return it (§4.9): never the secret, never the password. */
function view(account: ModelAccount): Account {
  const otp = account.otp;
  const counter = otp?.counter;
  return {
    id: account.id,
    name: account.name,
    login: account.login,
    hasPassword: account.password !== undefined,
    urls: account.urls && [...account.urls],
    apps: account.apps && [...account.apps],
    flags: account.flags,
    otp:
      otp &&
      (otp.kind === 'TOTP'
        ? { kind: 'TOTP', algorithm: otp.algorithm, digits: otp.digits, period: otp.period }
        : {
            kind: 'HOTP',
            algorithm: otp.algorithm,
            digits: otp.digits,
            counter: counter !== undefined && counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter,
          }),
  };
}

function modelOtp(credential: OtpCredential): ModelOtp {
  const base = { secret: credential.secret, algorithm: credential.algorithm ?? 'SHA1', digits: credential.digits ?? 6 } as const;
  return credential.kind === 'TOTP'
    ? { ...base, kind: 'TOTP', period: credential.period ?? 30 }
    : { ...base, kind: 'HOTP', counter: BigInt(credential.counter ?? 0) };
}

const CLEAR_BITS = [
  [0x01, 'login'],
  [0x02, 'password'],
  [0x04, 'urls'],
  [0x08, 'apps'],
  [0x10, 'otp'],
] as const;

export interface ModelSeed {
  readonly storageTotal: number;
  readonly accounts: readonly ModelAccount[];
  readonly lastId: number;
  readonly pin?: { readonly value: string; readonly maxRetries: number; readonly retries: number };
}

/** The DeviceState a seed describes, with the PIN hashed as the key hashes it (HMAC-SHA256 over a salt). */
export function deviceState(seed: ModelSeed): DeviceState {
  const salt = new Uint8Array(16).fill(0x5a);
  return {
    identity: { serial: 'HK-FUZZ-000001', model: 'Hideez Key 4 (virtual)', firmware: '1.0.0' },
    storageTotal: seed.storageTotal,
    battery: 100,
    clockOffsetMs: 0,
    pin: seed.pin && { salt, hash: hmac('SHA256', salt, utf8.encode(seed.pin.value)), maxRetries: seed.pin.maxRetries, retries: seed.pin.retries },
    accounts: seed.accounts.map((account): StoredAccount => ({ ...account, otp: account.otp && { ...account.otp, secret: account.otp.secret.slice() } })),
    lastId: seed.lastId,
  };
}

export class KeyModel {
  readonly accounts = new Map<number, ModelAccount>();
  pin: ModelPin | undefined;
  lastId: number;
  readonly storageTotal: number;
  /** Per session: whether it verified the PIN (§6.2). */
  readonly unlocked: boolean[];
  /** A write-error is scheduled for the next flash write (§5.5: that write changes nothing). */
  writeFault = false;
  /** The key stored its provisioning seed (its first GetIdentity, EnrollIssuer or ApplySealed, §10.2); Wipe keeps it. */
  identityMade = false;
  /** The enrolled issuer's public key, hex (§10.3). */
  issuer: string | undefined;

  constructor(seed: ModelSeed, sessions: number) {
    for (const account of seed.accounts) this.accounts.set(account.id, account);
    this.pin = seed.pin && { ...seed.pin };
    this.lastId = seed.lastId;
    this.storageTotal = seed.storageTotal;
    this.unlocked = new Array<boolean>(sessions).fill(false);
  }

  get storageFree(): number {
    let used = 0;
    for (const account of this.accounts.values()) used += recordBytes(account);
    return this.storageTotal - used;
  }

  /** Consumes the scheduled fault if this write is the one that fails. */
  /** The seed's first write; false when that write fails (the command then answers STORAGE_FAILURE). */
  private makeIdentity(): boolean {
    if (this.identityMade) return true;
    if (this.writeFails()) return false;
    this.identityMade = true;
    return true;
  }

  private writeFails(): boolean {
    const fails = this.writeFault;
    this.writeFault = false;
    return fails;
  }

  /** What the key must answer to a well-formed `request` on `session` (§3.6 steps 4 to 10). */
  predict(session: number, request: DecodedRequest, button: ScriptedButton): Prediction {
    const { command } = request;
    const definition = Commands[command];
    const pin = this.pin;
    if (pin && pin.retries === 0 && !definition.allowedWhenBlocked) return { status: 'PIN_BLOCKED' };
    if (definition.needsUnlock && pin && !this.unlocked[session]) return { status: 'PIN_REQUIRED' };
    const presence = (): StatusName | undefined =>
      button.next === 'approved'
        ? undefined
        : button.next === 'denied'
          ? 'USER_PRESENCE_DENIED'
          : definition.userPresence === 'hold'
            ? 'USER_PRESENCE_HOLD_TOO_SHORT'
            : undefined;
    const params = request.params as Record<string, unknown>;
    switch (command) {
      case 'GetInfo':
        return {
          status: 'OK',
          verify: (response) => {
            const info = response.ok ? (response.result as Record<string, unknown>) : fail('GetInfo failed');
            same(
              [info.storageTotal, info.storageFree, info.accountCount, info.pinState, info.pinRetries, info.pinMaxRetries, info.locked, info.lifecycle],
              [
                this.storageTotal,
                this.storageFree,
                this.accounts.size,
                pin ? (pin.retries === 0 ? 'BLOCKED' : 'SET') : 'NOT_SET',
                pin?.retries ?? 8,
                pin?.maxRetries ?? 8,
                pin !== undefined && !this.unlocked[session],
                this.issuer === undefined ? 'READY' : 'ACTIVE',
              ],
              'GetInfo storage, accounts, PIN and lifecycle state',
            );
          },
        };
      case 'SetTime':
      case 'Wink':
        return command === 'SetTime' && this.writeFails() ? { status: 'STORAGE_FAILURE' } : { status: 'OK' };
      case 'Lock':
        return { status: 'OK', commit: () => (this.unlocked[session] = false) };
      case 'GetIdentity':
        if (!this.makeIdentity()) return { status: 'STORAGE_FAILURE' };
        return {
          status: 'OK',
          verify: (response) =>
            same(
              response.ok && (response.result as ResponseOf<'GetIdentity'>).lifecycle,
              this.issuer === undefined ? 'READY' : 'ACTIVE',
              'GetIdentity lifecycle',
            ),
        };
      case 'EnrollIssuer': {
        const { issuerPublicKey } = params as RequestOf<'EnrollIssuer'>;
        if (!isP256Point(issuerPublicKey)) return { status: 'INVALID_PARAMETER' };
        if (!this.makeIdentity()) return { status: 'STORAGE_FAILURE' };
        const offered = hexOf(issuerPublicKey);
        if (this.issuer === offered) return { status: 'OK' };
        // No fuzzed handover signature verifies under a key the fuzzer never held the private half of.
        if (this.issuer !== undefined) return { status: 'ISSUER_MISMATCH' };
        const denied = presence();
        if (denied) return { status: denied };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        return { status: 'OK', commit: () => (this.issuer = offered) };
      }
      case 'ApplySealed':
        if (!this.makeIdentity()) return { status: 'STORAGE_FAILURE' };
        // Nothing fuzzed is sealed and signed for this key by its issuer: every item is refused, with a receipt.
        return {
          status: 'OK',
          verify: (response) => {
            const receipt = response.ok ? decodeReceipt((response.result as ResponseOf<'ApplySealed'>).receipt) : fail('ApplySealed failed');
            if (receipt.status === 0) fail('a fuzzed sealed item was applied');
          },
        };
      case 'SetPin': {
        const { pin: value, maxRetries } = params as RequestOf<'SetPin'>;
        if (pin) return { status: 'PIN_ALREADY_SET' };
        if (!PIN_POLICY.test(value)) return { status: 'PIN_POLICY_VIOLATION' };
        const denied = presence();
        if (denied) return { status: denied };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        return {
          status: 'OK',
          commit: () => {
            this.pin = { value, maxRetries: maxRetries ?? 8, retries: maxRetries ?? 8 };
            this.unlocked.fill(false);
            this.unlocked[session] = true;
          },
        };
      }
      case 'VerifyPin':
      case 'ChangePin': {
        if (!pin) return { status: 'PIN_NOT_SET' };
        // §6.1: the decremented counter is durable before the comparison.
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        pin.retries -= 1;
        const candidate = command === 'VerifyPin' ? (params as RequestOf<'VerifyPin'>).pin : (params as RequestOf<'ChangePin'>).currentPin;
        if (candidate !== pin.value)
          return { status: 'PIN_INVALID', verify: (response) => same(!response.ok && response.details, { retries: pin.retries }, 'PIN_INVALID retries') };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        pin.retries = pin.maxRetries;
        if (command === 'VerifyPin') {
          return {
            status: 'OK',
            verify: (response) => same(response.ok && response.result, { retries: pin.maxRetries }, 'VerifyPin retries'),
            commit: () => (this.unlocked[session] = true),
          };
        }
        const { newPin } = params as RequestOf<'ChangePin'>;
        if (!PIN_POLICY.test(newPin)) return { status: 'PIN_POLICY_VIOLATION' };
        return {
          status: 'OK',
          commit: () => ((this.pin = { value: newPin, maxRetries: pin.maxRetries, retries: pin.maxRetries }), (this.unlocked[session] = true)),
        };
      }
      case 'AccountList': {
        const { offset, includeHidden } = params as RequestOf<'AccountList'>;
        const visible = [...this.accounts.values()].filter((account) => includeHidden === true || (account.flags & 0x02) === 0).sort((a, b) => a.id - b.id);
        return {
          status: 'OK',
          verify: (response) => {
            const result = response.ok ? (response.result as { accounts: Account[]; total: number }) : fail('AccountList failed');
            same(result.total, visible.length, 'AccountList total');
            const expected = visible
              .slice(offset ?? 0, (offset ?? 0) + result.accounts.length)
              .map((account) => ({ ...view(account), urls: undefined, apps: undefined }));
            same(result.accounts, expected, 'AccountList page');
            if (result.accounts.length === 0 && (offset ?? 0) < visible.length) fail('AccountList returned an empty page before the end');
          },
        };
      }
      case 'AccountGet': {
        const account = this.accounts.get((params as RequestOf<'AccountGet'>).id);
        if (!account) return { status: 'ACCOUNT_NOT_FOUND' };
        return { status: 'OK', verify: (response) => same(response.ok && response.result, view(account), `AccountGet ${account.id}`) };
      }
      case 'AccountCreate': {
        const p = params as RequestOf<'AccountCreate'>;
        if ([...this.accounts.values()].some((account) => account.name === p.name)) return { status: 'ACCOUNT_NAME_TAKEN' };
        const id = this.nextId();
        const account: ModelAccount = {
          id,
          name: p.name,
          login: p.login,
          password: p.password,
          urls: p.urls,
          apps: p.apps,
          flags: p.flags ?? 0,
          otp: p.otp && modelOtp(p.otp),
        };
        const needed = recordBytes(account);
        const free = this.storageFree;
        if (needed > free)
          return {
            status: 'STORAGE_FULL',
            verify: (response) => same(!response.ok && response.details, { needed, free: Math.max(0, free) }, 'STORAGE_FULL details'),
          };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        return {
          status: 'OK',
          verify: (response) => same(response.ok && response.result, { id, storageFree: free - needed }, 'AccountCreate result'),
          commit: () => {
            this.accounts.set(id, account);
            this.lastId = Math.max(this.lastId, id);
          },
        };
      }
      case 'AccountUpdate': {
        const p = params as RequestOf<'AccountUpdate'>;
        const current = this.accounts.get(p.id);
        if (!current) return { status: 'ACCOUNT_NOT_FOUND' };
        if (current.flags & 0x01) return { status: 'ACCOUNT_READ_ONLY' };
        const clear = p.clear ?? 0;
        if (CLEAR_BITS.some(([bit, field]) => clear & bit && p[field] !== undefined)) return { status: 'INVALID_PARAMETER' };
        if (p.name !== undefined && [...this.accounts.values()].some((account) => account.name === p.name && account.id !== p.id))
          return { status: 'ACCOUNT_NAME_TAKEN' };
        const merged: Record<string, unknown> = {
          ...current,
          name: p.name ?? current.name,
          login: p.login ?? current.login,
          password: p.password ?? current.password,
          urls: p.urls ?? current.urls,
          apps: p.apps ?? current.apps,
          flags: p.flags ?? current.flags,
          otp: p.otp ? modelOtp(p.otp) : current.otp,
        };
        for (const [bit, field] of CLEAR_BITS) if (clear & bit) merged[field] = undefined;
        const updated = merged as unknown as ModelAccount;
        const needed = recordBytes(updated) - recordBytes(current);
        const free = this.storageFree;
        if (needed > free)
          return {
            status: 'STORAGE_FULL',
            verify: (response) => same(!response.ok && response.details, { needed, free: Math.max(0, free) }, 'STORAGE_FULL details'),
          };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        return {
          status: 'OK',
          verify: (response) => same(response.ok && response.result, { storageFree: free - needed }, 'AccountUpdate result'),
          commit: () => this.accounts.set(p.id, updated),
        };
      }
      case 'AccountDelete': {
        const current = this.accounts.get((params as RequestOf<'AccountDelete'>).id);
        if (!current) return { status: 'ACCOUNT_NOT_FOUND' };
        if (current.flags & 0x01) return { status: 'ACCOUNT_READ_ONLY' };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        const free = this.storageFree + recordBytes(current);
        return {
          status: 'OK',
          verify: (response) => same(response.ok && response.result, { storageFree: free }, 'AccountDelete result'),
          commit: () => this.accounts.delete(current.id),
        };
      }
      case 'GetOtp': {
        const account = this.accounts.get((params as RequestOf<'GetOtp'>).id);
        if (!account) return { status: 'ACCOUNT_NOT_FOUND' };
        const otp = account.otp;
        if (!otp) return { status: 'NO_OTP' };
        if (account.flags & 0x04) {
          const denied = presence();
          if (denied) return { status: denied };
        }
        const options = { algorithm: otp.algorithm, digits: otp.digits as 6 | 7 | 8 };
        if (otp.kind === 'TOTP') {
          return {
            status: 'OK',
            verify: (response) => {
              const result = response.ok ? (response.result as { code: string; validUntil: number }) : fail('GetOtp failed');
              const period = otp.period ?? 30;
              // §7.2: code and validUntil come from one clock reading, so the code is the one of the step before validUntil.
              same(result.code, hotp(otp.secret, Math.round(result.validUntil / period) - 1, options), `TOTP code of account ${account.id}`);
            },
          };
        }
        const counter = otp.counter ?? 0n;
        if (counter >= MAX_COUNTER) return { status: 'OTP_COUNTER_EXHAUSTED' };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        return {
          status: 'OK',
          // §5.5, §7.1: the code of the stored counter, which then advances by one.
          verify: (response) =>
            same(
              response.ok && response.result,
              { code: hotp(otp.secret, counter, options), counter: counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter },
              `HOTP of account ${account.id}`,
            ),
          commit: () => this.accounts.set(account.id, { ...account, otp: { ...otp, counter: counter + 1n } }),
        };
      }
      case 'GetPassword': {
        const account = this.accounts.get((params as RequestOf<'GetPassword'>).id);
        if (!account) return { status: 'ACCOUNT_NOT_FOUND' };
        if (account.password === undefined) return { status: 'NO_PASSWORD' };
        const denied = presence();
        if (denied) return { status: denied };
        return { status: 'OK', verify: (response) => same(response.ok && response.result, { password: account.password }, `GetPassword ${account.id}`) };
      }
      case 'Wipe': {
        const denied = presence();
        if (denied) return { status: denied };
        if (this.writeFails()) return { status: 'STORAGE_FAILURE' };
        return {
          status: 'OK',
          commit: () => {
            this.accounts.clear();
            this.pin = undefined;
            this.lastId = 0;
            this.issuer = undefined;
            this.unlocked.fill(false);
          },
        };
      }
    }
  }

  /** docs/protocol.md §5.1: one more than the highest id since the last Wipe, then the lowest free id. */
  private nextId(): number {
    if (this.lastId < 0xffff) return this.lastId + 1;
    for (let id = 1; id <= 0xffff; id++) if (!this.accounts.has(id)) return id;
    return fail('the model ran out of ids');
  }
}
