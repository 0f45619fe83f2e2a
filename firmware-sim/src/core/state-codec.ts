/**
 * JSON form of DeviceState for persistent stores: bytes as base64, 64-bit counters as decimal strings.
 * parseStateJson validates every field, so a damaged or hand-edited file is refused with the field named
 * instead of producing a key in an impossible state.
 */
import { HkeyError, Limits, OtpAlgorithmCode, OtpKind } from '@hkey/protocol';
import type { DeviceState, StoredAccount, StoredOtp, StoredPin } from './state.js';
import { fidoStateFromJson, fidoStateToJson } from '../fido/fido-state-codec.js';
import { provisioningStateFromJson, provisioningStateToJson } from '../provisioning/provisioning-state-codec.js';
import { storageUsed } from './storage-accounting.js';

export class StateFileError extends HkeyError {}

function invalid(path: string, expectation: string): StateFileError {
  return new StateFileError('STATE_INVALID', `The state field "${path}" must be ${expectation}; start with --reset-state to discard this state.`);
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: unknown, path: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw invalid(path, 'base64 text');
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    // atob refuses lengths no encoding has ("AAAAA") with a DOMException that names no field.
    throw invalid(path, 'base64 text');
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export function stateToJson(state: DeviceState): unknown {
  return {
    ...state,
    pin: state.pin && { ...state.pin, salt: toBase64(state.pin.salt), hash: toBase64(state.pin.hash) },
    accounts: state.accounts.map((account) => ({
      ...account,
      otp: account.otp && { ...account.otp, secret: toBase64(account.otp.secret), counter: account.otp.counter?.toString() },
    })),
    fido: state.fido && fidoStateToJson(state.fido, { toBase64 }),
    provisioning: state.provisioning && provisioningStateToJson(state.provisioning, { toBase64 }),
  };
}

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(path, 'an object');
  return value as Json;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalid(path, `an integer from ${min} to ${max}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw invalid(path, 'text');
  return value;
}

const utf8 = new TextEncoder();
/** GetInfo's serial, model and firmware are text of 1 to 32 bytes (docs/protocol.md §4.2). */
const IDENTITY_BYTES = 32;

/**
 * Text within its data-model limit (docs/protocol.md §4.2, §5.1), counted in UTF-8 bytes: the key answers with these
 * values, so one beyond the limits (or an unpaired surrogate, which has no UTF-8 form) would break every answer.
 */
function text(value: unknown, path: string, minBytes: number, maxBytes: number): string {
  const result = string(value, path);
  const bytes = utf8.encode(result).length;
  if (bytes < minBytes || bytes > maxBytes || /\p{Cs}/u.test(result)) throw invalid(path, `text of ${minBytes} to ${maxBytes} UTF-8 bytes`);
  return result;
}

function optionalText(value: unknown, path: string, maxBytes: number): string | undefined {
  return value === undefined ? undefined : text(value, path, 0, maxBytes);
}

function optionalTexts(value: unknown, path: string, maxItems: number, maxBytes: number): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > maxItems) throw invalid(path, `a list of at most ${maxItems} texts`);
  return value.map((item, index) => text(item, `${path}[${index}]`, 1, maxBytes));
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalid(path, `one of ${allowed.join(', ')}`);
  return value as T;
}

function parseOtp(value: unknown, path: string): StoredOtp {
  const otp = object(value, path);
  const secret = fromBase64(otp.secret, `${path}.secret`);
  if (secret.length < Limits.secretMinBytes || secret.length > Limits.secretMaxBytes) throw invalid(`${path}.secret`, '10 to 64 bytes');
  const kind = oneOf(otp.kind, `${path}.kind`, Object.keys(OtpKind) as (keyof typeof OtpKind)[]);
  const base = {
    secret,
    algorithm: oneOf(otp.algorithm, `${path}.algorithm`, Object.keys(OtpAlgorithmCode) as (keyof typeof OtpAlgorithmCode)[]),
    digits: integer(otp.digits, `${path}.digits`, 6, 8),
  };
  if (kind === 'TOTP') return { ...base, kind, period: integer(otp.period, `${path}.period`, 1, Limits.maxPeriodSeconds) };
  const counterText = string(otp.counter, `${path}.counter`);
  if (!/^[0-9]{1,20}$/.test(counterText) || BigInt(counterText) > 0xffff_ffff_ffff_ffffn) throw invalid(`${path}.counter`, 'a 64-bit unsigned decimal');
  return { ...base, kind, counter: BigInt(counterText) };
}

function parseAccount(value: unknown, path: string): StoredAccount {
  const account = object(value, path);
  return {
    id: integer(account.id, `${path}.id`, 1, 0xffff),
    name: text(account.name, `${path}.name`, 1, Limits.accountNameBytes),
    login: optionalText(account.login, `${path}.login`, Limits.loginBytes),
    password: optionalText(account.password, `${path}.password`, Limits.passwordBytes),
    urls: optionalTexts(account.urls, `${path}.urls`, Limits.maxUrls, Limits.urlBytes),
    apps: optionalTexts(account.apps, `${path}.apps`, Limits.maxApps, Limits.appBytes),
    flags: integer(account.flags, `${path}.flags`, 0, 0x0f),
    otp: account.otp === undefined ? undefined : parseOtp(account.otp, `${path}.otp`),
  };
}

function parsePin(value: unknown): StoredPin | undefined {
  if (value === undefined) return undefined;
  const pin = object(value, 'pin');
  const maxRetries = integer(pin.maxRetries, 'pin.maxRetries', Limits.pinRetriesMin, Limits.pinRetriesMax);
  return {
    salt: fromBase64(pin.salt, 'pin.salt'),
    hash: fromBase64(pin.hash, 'pin.hash'),
    maxRetries,
    retries: integer(pin.retries, 'pin.retries', 0, maxRetries),
    ...(pin.setAt !== undefined && { setAt: integer(pin.setAt, 'pin.setAt', 0, Number.MAX_SAFE_INTEGER) }),
  };
}

export function stateFromJson(value: unknown): DeviceState {
  const state = object(value, 'state');
  const identity = object(state.identity, 'identity');
  if (!Array.isArray(state.accounts)) throw invalid('accounts', 'a list');
  const accounts = state.accounts.map((account, index) => parseAccount(account, `accounts[${index}]`));
  const ids = accounts.map((account) => account.id);
  if (ids.some((id, index) => index > 0 && id <= (ids[index - 1] as number))) throw invalid('accounts', 'in strictly ascending id order');
  // What no sequence of commands can produce (docs/protocol.md §5.1, §5.3): a name twice, an id the next
  // AccountCreate would hand out again, accounts that do not fit the storage.
  const names = new Set<string>();
  accounts.forEach((account, index) => {
    if (names.has(account.name)) throw invalid(`accounts[${index}].name`, 'a name no other account has');
    names.add(account.name);
  });
  const lastId = integer(state.lastId, 'lastId', 0, 0xffff);
  if (ids.some((id) => id > lastId)) throw invalid('lastId', 'at least the highest account id');
  const storageTotal = integer(state.storageTotal, 'storageTotal', 0, 0xffff_ffff);
  const helpers = { toBase64, fromBase64, object, integer, optionalText, invalid };
  const fido = fidoStateFromJson(state.fido, helpers);
  const provisioning = provisioningStateFromJson(state.provisioning, helpers);
  const used = storageUsed({ accounts, fido });
  if (used > storageTotal) throw invalid('storageTotal', `at least the ${used} bytes the accounts and FIDO credentials take`);
  return {
    identity: {
      serial: text(identity.serial, 'identity.serial', 1, IDENTITY_BYTES),
      model: text(identity.model, 'identity.model', 1, IDENTITY_BYTES),
      firmware: text(identity.firmware, 'identity.firmware', 1, IDENTITY_BYTES),
    },
    storageTotal,
    battery: integer(state.battery, 'battery', 0, 100),
    clockOffsetMs: integer(state.clockOffsetMs, 'clockOffsetMs', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    pin: parsePin(state.pin),
    accounts,
    lastId,
    ...(fido && { fido }),
    ...(provisioning && { provisioning }),
  };
}
