/** JSON form of FidoState inside the key's state file (docs/protocol.md §9.5), validated field by field on load. */
import type { FidoCredentialRecord, FidoPin, FidoState } from './fido-state.js';
import { FIDO_PIN_RETRIES } from './fido-state.js';

export interface FidoJsonHelpers {
  toBase64(bytes: Uint8Array): string;
  fromBase64(text: unknown, path: string): Uint8Array;
  object(value: unknown, path: string): Record<string, unknown>;
  integer(value: unknown, path: string, min: number, max: number): number;
  optionalText(value: unknown, path: string, maxBytes: number): string | undefined;
  invalid(path: string, expectation: string): Error;
}

export function fidoStateToJson(state: FidoState, { toBase64 }: Pick<FidoJsonHelpers, 'toBase64'>): unknown {
  return {
    masterSecret: toBase64(state.masterSecret),
    signCount: state.signCount,
    pin: state.pin && { ...state.pin, hash: toBase64(state.pin.hash) },
    credentials: state.credentials.map((record) => ({
      ...record,
      credentialId: toBase64(record.credentialId),
      userId: toBase64(record.userId),
      credBlob: record.credBlob && toBase64(record.credBlob),
    })),
    nextCreated: state.nextCreated,
  };
}

function bytes(helpers: FidoJsonHelpers, value: unknown, path: string, min: number, max: number): Uint8Array {
  const result = helpers.fromBase64(value, path);
  if (result.length < min || result.length > max) throw helpers.invalid(path, `${min} to ${max} bytes`);
  return result;
}

function parsePin(helpers: FidoJsonHelpers, value: unknown): FidoPin | undefined {
  if (value === undefined) return undefined;
  const pin = helpers.object(value, 'fido.pin');
  return {
    hash: bytes(helpers, pin.hash, 'fido.pin.hash', 16, 16),
    retries: helpers.integer(pin.retries, 'fido.pin.retries', 0, FIDO_PIN_RETRIES),
    length: helpers.integer(pin.length, 'fido.pin.length', 1, 63),
  };
}

function parseCredential(helpers: FidoJsonHelpers, value: unknown, path: string): FidoCredentialRecord {
  const record = helpers.object(value, path);
  const rpId = helpers.optionalText(record.rpId, `${path}.rpId`, 255);
  if (rpId === undefined || rpId === '') throw helpers.invalid(`${path}.rpId`, 'text of 1 to 255 UTF-8 bytes');
  return {
    credentialId: bytes(helpers, record.credentialId, `${path}.credentialId`, 1, 255),
    rpId,
    rpName: helpers.optionalText(record.rpName, `${path}.rpName`, 64),
    userId: bytes(helpers, record.userId, `${path}.userId`, 0, 64),
    userName: helpers.optionalText(record.userName, `${path}.userName`, 64),
    userDisplayName: helpers.optionalText(record.userDisplayName, `${path}.userDisplayName`, 64),
    credBlob: record.credBlob === undefined ? undefined : bytes(helpers, record.credBlob, `${path}.credBlob`, 0, 32),
    created: helpers.integer(record.created, `${path}.created`, 0, Number.MAX_SAFE_INTEGER),
  };
}

export function fidoStateFromJson(value: unknown, helpers: FidoJsonHelpers): FidoState | undefined {
  if (value === undefined) return undefined;
  const state = helpers.object(value, 'fido');
  const credentials = state.credentials;
  if (!Array.isArray(credentials)) throw helpers.invalid('fido.credentials', 'a list');
  const parsed = credentials.map((record, index) => parseCredential(helpers, record, `fido.credentials[${index}]`));
  // What no sequence of commands can produce: an id twice, or two credentials of one user at one RP (the second
  // registration replaces the first, CTAP 2.1 §6.1.2 step 16).
  const ids = new Set<string>();
  const users = new Set<string>();
  parsed.forEach((record, index) => {
    const id = helpers.toBase64(record.credentialId);
    const user = JSON.stringify([record.rpId, helpers.toBase64(record.userId)]);
    if (ids.has(id)) throw helpers.invalid(`fido.credentials[${index}].credentialId`, 'an id no other credential has');
    if (users.has(user)) throw helpers.invalid(`fido.credentials[${index}]`, 'the only credential of its user at its RP');
    ids.add(id);
    users.add(user);
  });
  const nextCreated = helpers.integer(state.nextCreated, 'fido.nextCreated', 1, Number.MAX_SAFE_INTEGER);
  if (parsed.some((record) => record.created >= nextCreated)) throw helpers.invalid('fido.nextCreated', "above every credential's creation number");
  return {
    masterSecret: bytes(helpers, state.masterSecret, 'fido.masterSecret', 32, 32),
    signCount: helpers.integer(state.signCount, 'fido.signCount', 0, 0xffff_ffff),
    pin: parsePin(helpers, state.pin),
    credentials: parsed,
    nextCreated,
  };
}
