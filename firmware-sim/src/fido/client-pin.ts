/**
 * authenticatorClientPIN (CTAP 2.1 §6.5): PIN retries, key agreement, setting and changing the PIN, and
 * pinUvAuthTokens with permissions. Eight tries, then blocked until Reset; three wrong in a row block PIN entry
 * until the next power cycle. A wrong PIN also replaces the key-agreement key.
 */
import {
  ClientPinKey,
  ClientPinResponseKey,
  ClientPinSubCommand,
  CoseAlgorithm,
  CtapError,
  type CtapMap,
  PinPermission,
  asCtapMap,
  coseEc2Key,
  ctapMap,
  memberBytes,
  memberInteger,
  memberText,
  readKeyAgreementKey,
  requiredMember,
  type PinProtocol,
  pinProtocol,
} from '@hkey/protocol';
import { constantTimeBytesEqual, p256PrivateKey, p256PublicKey, sha256 } from './crypto.js';
import { FIDO_MIN_PIN_LENGTH, FIDO_PIN_RETRIES, type FidoPin } from './fido-state.js';
import type { FidoRuntime, KeyAgreementKey } from './runtime.js';

/** How long a pinUvAuthToken may be used (CTAP 2.1 §6.5.2.1: at most ten minutes). */
export const PIN_TOKEN_LIFETIME_MS = 600_000;
const SUPPORTED_PERMISSIONS = PinPermission.makeCredential | PinPermission.getAssertion | PinPermission.credentialManagement;

/** The pinUvAuthProtocol member of a request: requiredMember, and one the key offers. */
export function requestProtocol(map: CtapMap, key: number): PinProtocol {
  const version = requiredMember(memberInteger, map, key, 'pinUvAuthProtocol');
  const protocol = pinProtocol(version);
  if (protocol === undefined) throw new CtapError('INVALID_PARAMETER', 'The key offers PIN/UV auth protocols 1 and 2 only.');
  return protocol;
}

/** The key-agreement key of this power cycle, made on first use. */
export function keyAgreementKey(runtime: FidoRuntime): KeyAgreementKey {
  return (runtime.volatile.keyAgreement ??= newKeyAgreement(runtime));
}

function newKeyAgreement(runtime: FidoRuntime): KeyAgreementKey {
  const privateKey = p256PrivateKey(runtime.randomBytes(48));
  return { privateKey, publicKey: p256PublicKey(privateKey) };
}

/** The shared secret with the platform key of member `key` (a COSE key map). */
export function platformSharedSecret(runtime: FidoRuntime, protocol: PinProtocol, map: CtapMap, key: number): Promise<Uint8Array> {
  const { x, y } = readKeyAgreementKey(map.get(key), 'keyAgreement');
  const point = new Uint8Array(65);
  point[0] = 4;
  point.set(x, 1);
  point.set(y, 33);
  return protocol.sharedSecret(keyAgreementKey(runtime).privateKey, point);
}

function pinHash(pin: Uint8Array): Uint8Array {
  return sha256(pin).slice(0, 16);
}

/** The PIN in a decrypted 64-byte paddedNewPin, checked against the policy (CTAP 2.1 §6.5.5.5). */
function newPin(padded: Uint8Array | undefined): { hash: Uint8Array; length: number } {
  if (padded === undefined || padded.length !== 64) throw new CtapError('PIN_POLICY_VIOLATION', 'The new PIN must arrive padded to 64 bytes.');
  const end = padded.indexOf(0);
  const pin = padded.subarray(0, end === -1 ? 64 : end);
  if (end === -1 || padded.subarray(end).some((byte) => byte !== 0))
    throw new CtapError('PIN_POLICY_VIOLATION', 'The new PIN must be at most 63 bytes, padded with zeros.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(pin);
  } catch {
    throw new CtapError('PIN_POLICY_VIOLATION', 'The new PIN must be UTF-8 text.');
  }
  const length = [...text].length;
  if (length < FIDO_MIN_PIN_LENGTH) throw new CtapError('PIN_POLICY_VIOLATION', `The new PIN must have at least ${FIDO_MIN_PIN_LENGTH} characters.`);
  return { hash: pinHash(pin), length };
}

/**
 * Checks pinHashEnc against the stored PIN (CTAP 2.1 §6.5.5.5 steps "decrement pinRetries" to "reset"): the
 * retry is spent and written before the comparison, so a power cut cannot refund it.
 */
async function verifyPinHash(runtime: FidoRuntime, protocol: PinProtocol, sharedSecret: Uint8Array, pinHashEnc: Uint8Array): Promise<void> {
  const state = runtime.state();
  const pin = state.pin as FidoPin;
  if (pin.retries === 0) throw new CtapError('PIN_BLOCKED', 'The FIDO PIN is blocked; only a reset of the security key clears it.');
  if (runtime.volatile.consecutiveMismatches >= 3)
    throw new CtapError('PIN_AUTH_BLOCKED', 'Three wrong PINs in a row: unplug and replug the key to try again.');
  await runtime.commit({ ...state, pin: { ...pin, retries: pin.retries - 1 } });
  const presented = await protocol.decrypt(sharedSecret, pinHashEnc);
  if (presented !== undefined && presented.length === 16 && constantTimeBytesEqual(presented, pin.hash)) {
    runtime.volatile.consecutiveMismatches = 0;
    await runtime.commit({ ...runtime.state(), pin: { ...pin, retries: FIDO_PIN_RETRIES } });
    return;
  }
  runtime.volatile.keyAgreement = newKeyAgreement(runtime);
  runtime.volatile.consecutiveMismatches += 1;
  if (pin.retries - 1 === 0) throw new CtapError('PIN_BLOCKED', 'The FIDO PIN is now blocked; only a reset of the security key clears it.');
  if (runtime.volatile.consecutiveMismatches >= 3)
    throw new CtapError('PIN_AUTH_BLOCKED', 'Three wrong PINs in a row: unplug and replug the key to try again.');
  throw new CtapError('PIN_INVALID', 'The PIN is wrong.');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function setPin(runtime: FidoRuntime, params: CtapMap): Promise<CtapMap> {
  const protocol = requestProtocol(params, ClientPinKey.pinUvAuthProtocol);
  const pinUvAuthParam = requiredMember(memberBytes, params, ClientPinKey.pinUvAuthParam, 'pinUvAuthParam');
  const newPinEnc = requiredMember(memberBytes, params, ClientPinKey.newPinEnc, 'newPinEnc');
  const sharedSecret = await platformSharedSecret(runtime, protocol, params, ClientPinKey.keyAgreement);
  if (runtime.state().pin !== undefined) throw new CtapError('NOT_ALLOWED', 'A FIDO PIN is set already: change it instead.');
  if (!protocol.verify(sharedSecret, newPinEnc, pinUvAuthParam)) throw new CtapError('PIN_AUTH_INVALID', 'pinUvAuthParam does not match newPinEnc.');
  const { hash, length } = newPin(await protocol.decrypt(sharedSecret, newPinEnc));
  await runtime.commit({ ...runtime.state(), pin: { hash, retries: FIDO_PIN_RETRIES, length } });
  runtime.volatile.token = undefined;
  return new Map();
}

async function changePin(runtime: FidoRuntime, params: CtapMap): Promise<CtapMap> {
  const protocol = requestProtocol(params, ClientPinKey.pinUvAuthProtocol);
  const pinUvAuthParam = requiredMember(memberBytes, params, ClientPinKey.pinUvAuthParam, 'pinUvAuthParam');
  const newPinEnc = requiredMember(memberBytes, params, ClientPinKey.newPinEnc, 'newPinEnc');
  const pinHashEnc = requiredMember(memberBytes, params, ClientPinKey.pinHashEnc, 'pinHashEnc');
  const sharedSecret = await platformSharedSecret(runtime, protocol, params, ClientPinKey.keyAgreement);
  if (runtime.state().pin === undefined) throw new CtapError('PIN_NOT_SET', 'No FIDO PIN is set: set one first.');
  if (runtime.state().pin?.retries === 0) throw new CtapError('PIN_BLOCKED', 'The FIDO PIN is blocked; only a reset of the security key clears it.');
  if (!protocol.verify(sharedSecret, concat(newPinEnc, pinHashEnc), pinUvAuthParam))
    throw new CtapError('PIN_AUTH_INVALID', 'pinUvAuthParam does not match the request.');
  await verifyPinHash(runtime, protocol, sharedSecret, pinHashEnc);
  const { hash, length } = newPin(await protocol.decrypt(sharedSecret, newPinEnc));
  await runtime.commit({ ...runtime.state(), pin: { hash, retries: FIDO_PIN_RETRIES, length } });
  runtime.volatile.token = undefined;
  return new Map();
}

async function getToken(runtime: FidoRuntime, params: CtapMap, withPermissions: boolean): Promise<CtapMap> {
  const protocol = requestProtocol(params, ClientPinKey.pinUvAuthProtocol);
  const pinHashEnc = requiredMember(memberBytes, params, ClientPinKey.pinHashEnc, 'pinHashEnc');
  const sharedSecret = await platformSharedSecret(runtime, protocol, params, ClientPinKey.keyAgreement);
  let permissions = PinPermission.makeCredential | PinPermission.getAssertion;
  let rpId: string | undefined;
  if (withPermissions) {
    permissions = requiredMember(memberInteger, params, ClientPinKey.permissions, 'permissions');
    rpId = memberText(params, ClientPinKey.rpId, 'rpId');
    if (permissions <= 0) throw new CtapError('INVALID_PARAMETER', 'permissions must name at least one permission.');
    if ((permissions & ~SUPPORTED_PERMISSIONS) !== 0)
      throw new CtapError('UNAUTHORIZED_PERMISSION', 'The key grants makeCredential, getAssertion and credentialManagement only.');
  } else if (params.has(ClientPinKey.permissions) || params.has(ClientPinKey.rpId)) {
    throw new CtapError('INVALID_PARAMETER', 'getPinToken takes no permissions or rpId; use subcommand 0x09.');
  }
  if (runtime.state().pin === undefined) throw new CtapError('PIN_NOT_SET', 'No FIDO PIN is set.');
  await verifyPinHash(runtime, protocol, sharedSecret, pinHashEnc);
  const token = runtime.randomBytes(32);
  runtime.volatile.token = { token, protocol: protocol.version, permissions, rpId, expiresAtMs: runtime.nowMs() + PIN_TOKEN_LIFETIME_MS };
  return ctapMap([[ClientPinResponseKey.pinUvAuthToken, await protocol.encrypt(sharedSecret, token, runtime.randomBytes(16))]]);
}

export async function clientPin(runtime: FidoRuntime, body: CtapMap): Promise<CtapMap> {
  const params = asCtapMap(body, 'request');
  const subCommand = requiredMember(memberInteger, params, ClientPinKey.subCommand, 'subCommand');
  switch (subCommand) {
    case ClientPinSubCommand.getPINRetries:
      return ctapMap([
        [ClientPinResponseKey.pinRetries, runtime.state().pin?.retries ?? FIDO_PIN_RETRIES],
        [ClientPinResponseKey.powerCycleState, runtime.volatile.consecutiveMismatches >= 3],
      ]);
    case ClientPinSubCommand.getKeyAgreement: {
      requestProtocol(params, ClientPinKey.pinUvAuthProtocol);
      const publicKey = await keyAgreementKey(runtime).publicKey;
      return ctapMap([[ClientPinResponseKey.keyAgreement, coseEc2Key(publicKey.slice(1, 33), publicKey.slice(33), CoseAlgorithm.ECDH_ES_HKDF_256)]]);
    }
    case ClientPinSubCommand.setPIN:
      return setPin(runtime, params);
    case ClientPinSubCommand.changePIN:
      return changePin(runtime, params);
    case ClientPinSubCommand.getPinToken:
      return getToken(runtime, params, false);
    case ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions:
      return getToken(runtime, params, true);
    default:
      throw new CtapError('INVALID_SUBCOMMAND', 'The key does not offer this ClientPIN subcommand.');
  }
}

/**
 * Checks a request's pinUvAuthParam against the current token (CTAP 2.1 §6.1.2 step 11, §6.2.2 step 9): the MAC,
 * then the permission, then the RP binding (a token issued without an RP id binds to the first one it serves).
 */
export function verifyPinUvAuthParam(
  runtime: FidoRuntime,
  protocol: PinProtocol,
  message: Uint8Array,
  param: Uint8Array,
  permission: number,
  rpId: string | undefined,
): void {
  const token = runtime.volatile.token;
  if (token === undefined || token.protocol !== protocol.version || runtime.nowMs() > token.expiresAtMs || !protocol.verify(token.token, message, param)) {
    throw new CtapError('PIN_AUTH_INVALID', 'pinUvAuthParam does not match a current pinUvAuthToken.');
  }
  if ((token.permissions & permission) === 0) throw new CtapError('PIN_AUTH_INVALID', 'The pinUvAuthToken lacks the permission this command needs.');
  if (rpId !== undefined) {
    if (token.rpId !== undefined && token.rpId !== rpId) throw new CtapError('PIN_AUTH_INVALID', 'The pinUvAuthToken is bound to another RP.');
    token.rpId = rpId;
  }
}
