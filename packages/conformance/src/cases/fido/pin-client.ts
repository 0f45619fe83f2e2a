/**
 * The platform's side of authenticatorClientPIN (CTAP 2.1 §6.5) with the protocol package's PIN/UV auth protocols
 * 1 and 2 (§6.5.6, §6.5.7): key agreement, setPIN, getPinToken and tokens with permissions, and pinUvAuthParam
 * for a request. The PINs are the suite's own test values.
 */
import {
  ClientPinKey,
  ClientPinResponseKey,
  ClientPinSubCommand,
  CtapCommand,
  type CtapMap,
  type PinProtocol,
  coseEc2Key,
  CoseAlgorithm,
  ctapMap,
  p256PrivateKey,
  p256PublicKey,
  pinProtocol,
  readKeyAgreementKey,
  sha256,
} from '@hkey/protocol';
import { check, fail } from '../../checks.js';
import type { CtapAnswer, FidoChannel } from './fido-channel.js';
import { randomBytes } from './requests.js';

export type ProtocolVersion = 1 | 2;

/** One key agreement with the key: our key pair, the shared secret and the COSE key to send. */
export interface Agreement {
  readonly protocol: PinProtocol;
  readonly sharedSecret: Uint8Array;
  readonly platformKey: CtapMap;
}

export interface PinToken {
  readonly protocol: PinProtocol;
  readonly token: Uint8Array;
}

export function protocolOf(version: ProtocolVersion): PinProtocol {
  return pinProtocol(version) as PinProtocol;
}

/** getKeyAgreement and ECDH (CTAP 2.1 §6.5.5.4): the key's public key, a fresh platform key pair. */
export async function agree(channel: FidoChannel, version: ProtocolVersion): Promise<Agreement> {
  const protocol = protocolOf(version);
  const body = await channel.ok(
    CtapCommand.ClientPIN,
    ctapMap([
      [ClientPinKey.pinUvAuthProtocol, version],
      [ClientPinKey.subCommand, ClientPinSubCommand.getKeyAgreement],
    ]),
    `ClientPIN getKeyAgreement (protocol ${version})`,
  );
  let peer: { x: Uint8Array; y: Uint8Array };
  try {
    peer = readKeyAgreementKey(body.get(ClientPinResponseKey.keyAgreement), 'keyAgreement');
  } catch {
    fail('getKeyAgreement: keyAgreement (0x01) as an EC2 P-256 COSE key (CTAP 2.1 §6.5.5.4)', 'something else');
  }
  const privateKey = p256PrivateKey(randomBytes(48));
  const publicKey = await p256PublicKey(privateKey);
  const sharedSecret = await protocol.sharedSecret(privateKey, Uint8Array.of(0x04, ...peer.x, ...peer.y));
  return { protocol, sharedSecret, platformKey: coseEc2Key(publicKey.slice(1, 33), publicKey.slice(33), CoseAlgorithm.ECDH_ES_HKDF_256) };
}

/** pinRetries of getPINRetries (CTAP 2.1 §6.5.5.2). */
export async function pinRetries(channel: FidoChannel): Promise<number> {
  const body = await channel.ok(CtapCommand.ClientPIN, ctapMap([[ClientPinKey.subCommand, ClientPinSubCommand.getPINRetries]]), 'ClientPIN getPINRetries');
  const retries = body.get(ClientPinResponseKey.pinRetries);
  if (typeof retries !== 'number') fail('getPINRetries: pinRetries (0x03) as an integer', String(retries));
  return retries;
}

function paddedPin(pin: string): Uint8Array {
  const padded = new Uint8Array(64);
  padded.set(new TextEncoder().encode(pin));
  return padded;
}

/** setPIN (CTAP 2.1 §6.5.5.5); returns the answer for the case to judge. */
export async function setPin(channel: FidoChannel, pin: string, version: ProtocolVersion = 2): Promise<CtapAnswer> {
  const { protocol, sharedSecret, platformKey } = await agree(channel, version);
  const newPinEnc = await protocol.encrypt(sharedSecret, paddedPin(pin), randomBytes(16));
  return channel.call(
    CtapCommand.ClientPIN,
    ctapMap([
      [ClientPinKey.pinUvAuthProtocol, version],
      [ClientPinKey.subCommand, ClientPinSubCommand.setPIN],
      [ClientPinKey.keyAgreement, platformKey],
      [ClientPinKey.pinUvAuthParam, protocol.authenticate(sharedSecret, newPinEnc)],
      [ClientPinKey.newPinEnc, newPinEnc],
    ]),
  );
}

export interface TokenRequest {
  readonly version?: ProtocolVersion;
  /** With permissions: getPinUvAuthTokenUsingPinWithPermissions (0x09); without: getPinToken (0x05). */
  readonly permissions?: number;
  readonly rpId?: string;
}

/** Asks for a pinUvAuthToken with `pin`; the answer and, when it is OK, the decrypted token. */
export async function requestToken(channel: FidoChannel, pin: string, request: TokenRequest = {}): Promise<{ answer: CtapAnswer; token?: PinToken }> {
  const version = request.version ?? 2;
  const { protocol, sharedSecret, platformKey } = await agree(channel, version);
  const pinHashEnc = await protocol.encrypt(sharedSecret, sha256(new TextEncoder().encode(pin)).slice(0, 16), randomBytes(16));
  const answer = await channel.call(
    CtapCommand.ClientPIN,
    ctapMap([
      [ClientPinKey.pinUvAuthProtocol, version],
      [
        ClientPinKey.subCommand,
        request.permissions === undefined ? ClientPinSubCommand.getPinToken : ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions,
      ],
      [ClientPinKey.keyAgreement, platformKey],
      [ClientPinKey.pinHashEnc, pinHashEnc],
      [ClientPinKey.permissions, request.permissions],
      [ClientPinKey.rpId, request.rpId],
    ]),
  );
  if (answer.status !== 0) return { answer };
  const encrypted = answer.body?.get(ClientPinResponseKey.pinUvAuthToken);
  if (!(encrypted instanceof Uint8Array)) fail('a pinUvAuthToken (0x02) as a byte string (CTAP 2.1 §6.5.5.7)', String(encrypted));
  const token = await protocol.decrypt(sharedSecret, encrypted);
  check(
    token !== undefined && (token.length === 16 || token.length === 32),
    'a pinUvAuthToken of 16 or 32 bytes once decrypted (CTAP 2.1 §6.5.2.1)',
    () => `${encrypted.length} encrypted bytes`,
  );
  return { answer, token: { protocol, token } };
}

/** A token that must be granted. */
export async function pinToken(channel: FidoChannel, pin: string, request: TokenRequest = {}): Promise<PinToken> {
  const { answer, token } = await requestToken(channel, pin, request);
  if (token === undefined) fail(`a pinUvAuthToken for the right PIN (protocol ${request.version ?? 2})`, `status 0x${answer.status.toString(16)}`);
  return token;
}

/** pinUvAuthParam over `message` (the clientDataHash for MakeCredential and GetAssertion) (CTAP 2.1 §6.5.5.7). */
export function pinUvAuth(token: PinToken, message: Uint8Array): { param: Uint8Array; protocol: number } {
  return { param: token.protocol.authenticate(token.token, message), protocol: token.protocol.version };
}
