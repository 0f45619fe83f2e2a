/**
 * authenticatorClientPIN from the platform's side (CTAP 2.1 §6.5): retries, setting and changing the FIDO PIN,
 * and pinUvAuthTokens. Each operation agrees a fresh shared secret with the key (ECDH on P-256, §6.5.6) using PIN/UV
 * auth protocol 2 when the key offers it, else 1. PINs are normalised to NFC and checked against the key's minimum
 * length before anything is sent; they never appear in an error.
 */
import {
  ClientPinKey,
  ClientPinResponseKey,
  ClientPinSubCommand,
  CoseAlgorithm,
  CtapCommand,
  CtapError,
  type CtapMap,
  PinPermission,
  type PinProtocol,
  coseEc2Key,
  ctapMap,
  memberBoolean,
  memberBytes,
  memberInteger,
  p256PrivateKey,
  p256PublicKey,
  pinProtocol,
  readKeyAgreementKey,
  requiredMember,
  sha256,
} from '@hkey/protocol';
import { BridgeError } from '../errors.js';
import type { CtapChannel, FidoCallOptions } from './ctap-channel.js';
import { wrongPinError } from './fido-errors.js';
import type { AuthenticatorInfo } from './fido-types.js';
import { PinUvAuthToken } from './pin-token.js';

export type PinPermissionName = keyof typeof PinPermission;

export interface PinRetries {
  /** Wrong PINs left before the FIDO PIN blocks. */
  readonly retries: number;
  /** Three wrong PINs in a row: the key takes no PIN until it is unplugged and plugged in again. */
  readonly powerCycleRequired: boolean;
}

export interface PinTokenRequest {
  /** What the token may be used for; default makeCredential and getAssertion. */
  readonly permissions?: readonly PinPermissionName[];
  /** The RP the token is bound to (makeCredential, getAssertion); none for credential management. */
  readonly rpId?: string;
}

/** CTAP 2.1 §6.5.5.5: a PIN is at most 63 bytes of UTF-8. */
const MAX_PIN_BYTES = 63;
const encoder = new TextEncoder();

interface Agreement {
  readonly protocol: PinProtocol;
  readonly sharedSecret: Uint8Array;
  /** The platform's public key as the COSE key the key expects in keyAgreement. */
  readonly platformKey: CtapMap;
}

export class ClientPin {
  constructor(
    private readonly channel: CtapChannel,
    private readonly info: (options: FidoCallOptions) => Promise<AuthenticatorInfo>,
    /** Force a PIN/UV auth protocol (tests, keys with a broken protocol 2); default: 2 when offered, else 1. */
    private readonly preferredProtocol?: 1 | 2,
  ) {}

  /** The PIN/UV auth protocol this client uses with the key. */
  async protocol(options: FidoCallOptions = {}): Promise<1 | 2> {
    const offered = (await this.info(options)).pinUvAuthProtocols;
    const candidates: readonly (1 | 2)[] = this.preferredProtocol === undefined ? [2, 1] : [this.preferredProtocol];
    const chosen = candidates.find((version) => offered.includes(version));
    if (chosen === undefined)
      throw new BridgeError('FIDO_PIN_PROTOCOL_UNSUPPORTED', 'The security key offers no PIN/UV auth protocol this client speaks (1 or 2).');
    return chosen;
  }

  async getRetries(options: FidoCallOptions = {}): Promise<PinRetries> {
    return this.channel.cbor(
      CtapCommand.ClientPIN,
      ctapMap([
        [ClientPinKey.pinUvAuthProtocol, await this.protocol(options)],
        [ClientPinKey.subCommand, ClientPinSubCommand.getPINRetries],
      ]),
      (result) => ({
        retries: requiredMember(memberInteger, result, ClientPinResponseKey.pinRetries, 'pinRetries'),
        powerCycleRequired: memberBoolean(result, ClientPinResponseKey.powerCycleState, 'powerCycleState') ?? false,
      }),
      options,
    );
  }

  /** Sets the first FIDO PIN (§6.5.5.5); NOT_ALLOWED when one is set already. */
  async setPin(pin: string, options: FidoCallOptions = {}): Promise<void> {
    const padded = await this.newPinBlock(pin, options);
    const { protocol, sharedSecret, platformKey } = await this.agree(options);
    const newPinEnc = await protocol.encrypt(sharedSecret, padded, randomBytes(16));
    await this.clientPin(
      [
        [ClientPinKey.pinUvAuthProtocol, protocol.version],
        [ClientPinKey.subCommand, ClientPinSubCommand.setPIN],
        [ClientPinKey.keyAgreement, platformKey],
        [ClientPinKey.pinUvAuthParam, protocol.authenticate(sharedSecret, newPinEnc)],
        [ClientPinKey.newPinEnc, newPinEnc],
      ],
      options,
    );
  }

  /** Replaces the FIDO PIN after proving the current one (§6.5.5.6); a wrong current PIN costs a retry. */
  async changePin(currentPin: string, newPin: string, options: FidoCallOptions = {}): Promise<void> {
    const padded = await this.newPinBlock(newPin, options);
    const { protocol, sharedSecret, platformKey } = await this.agree(options);
    const pinHashEnc = await protocol.encrypt(sharedSecret, pinHash(currentPin), randomBytes(16));
    const newPinEnc = await protocol.encrypt(sharedSecret, padded, randomBytes(16));
    const message = new Uint8Array(newPinEnc.length + pinHashEnc.length);
    message.set(newPinEnc);
    message.set(pinHashEnc, newPinEnc.length);
    await this.withRetries(
      () =>
        this.clientPin(
          [
            [ClientPinKey.pinUvAuthProtocol, protocol.version],
            [ClientPinKey.subCommand, ClientPinSubCommand.changePIN],
            [ClientPinKey.keyAgreement, platformKey],
            [ClientPinKey.pinUvAuthParam, protocol.authenticate(sharedSecret, message)],
            [ClientPinKey.newPinEnc, newPinEnc],
            [ClientPinKey.pinHashEnc, pinHashEnc],
          ],
          options,
        ),
      options,
    );
  }

  /**
   * A pinUvAuthToken for `permissions` (§6.5.5.7): getPinUvAuthTokenUsingPinWithPermissions where the key supports
   * it, else the CTAP 2.0 getPinToken (which grants makeCredential and getAssertion only).
   */
  async getPinToken(pin: string, request: PinTokenRequest = {}, options: FidoCallOptions = {}): Promise<PinUvAuthToken> {
    const permissions = (request.permissions ?? ['makeCredential', 'getAssertion']).reduce((bits, name) => bits | PinPermission[name], 0);
    const withPermissions = (await this.info(options)).options.pinUvAuthToken === true;
    if (!withPermissions && (permissions & ~(PinPermission.makeCredential | PinPermission.getAssertion)) !== 0) {
      throw new BridgeError('FIDO_PERMISSION_UNSUPPORTED', 'This security key issues PIN tokens for registration and login only (CTAP 2.0).');
    }
    const { protocol, sharedSecret, platformKey } = await this.agree(options);
    const pinHashEnc = await protocol.encrypt(sharedSecret, pinHash(pin), randomBytes(16));
    const encrypted = await this.withRetries(
      () =>
        this.clientPin(
          [
            [ClientPinKey.pinUvAuthProtocol, protocol.version],
            [ClientPinKey.subCommand, withPermissions ? ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions : ClientPinSubCommand.getPinToken],
            [ClientPinKey.keyAgreement, platformKey],
            [ClientPinKey.pinHashEnc, pinHashEnc],
            [ClientPinKey.permissions, withPermissions ? permissions : undefined],
            [ClientPinKey.rpId, withPermissions ? request.rpId : undefined],
          ],
          options,
          (result) => requiredMember(memberBytes, result, ClientPinResponseKey.pinUvAuthToken, 'pinUvAuthToken'),
        ),
      options,
    );
    const token = await protocol.decrypt(sharedSecret, encrypted);
    if (token === undefined || (token.length !== 16 && token.length !== 32)) {
      throw new BridgeError('FIDO_BAD_TOKEN', 'The security key sent a PIN token that does not decrypt; try again.');
    }
    return new PinUvAuthToken(protocol.version, token, permissions, request.rpId);
  }

  private clientPin(entries: Parameters<typeof ctapMap>[0], options: FidoCallOptions): Promise<void>;
  private clientPin<T>(entries: Parameters<typeof ctapMap>[0], options: FidoCallOptions, decode: (result: CtapMap) => T): Promise<T>;
  private clientPin<T>(entries: Parameters<typeof ctapMap>[0], options: FidoCallOptions, decode?: (result: CtapMap) => T): Promise<T | void> {
    return this.channel.cbor(CtapCommand.ClientPIN, ctapMap(entries), decode ?? (() => undefined), options);
  }

  /** A wrong PIN is reported with the tries left (§6.5.5.5 asks the platform to show them). */
  private async withRetries<T>(send: () => Promise<T>, options: FidoCallOptions): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof CtapError) || error.code !== 'CTAP_PIN_INVALID') throw error;
      const retries = await this.getRetries(options).catch(() => undefined);
      throw retries === undefined ? error : wrongPinError(retries.retries);
    }
  }

  /** Key agreement (§6.5.5.4): the key's public key, a fresh platform key pair, and their shared secret. */
  private async agree(options: FidoCallOptions): Promise<Agreement> {
    const version = await this.protocol(options);
    const protocol = pinProtocol(version) as PinProtocol;
    const keyPoint = await this.clientPin(
      [
        [ClientPinKey.pinUvAuthProtocol, version],
        [ClientPinKey.subCommand, ClientPinSubCommand.getKeyAgreement],
      ],
      options,
      (result) => {
        const { x, y } = readKeyAgreementKey(result.get(ClientPinResponseKey.keyAgreement), 'keyAgreement');
        const point = new Uint8Array(65);
        point[0] = 0x04;
        point.set(x, 1);
        point.set(y, 33);
        return point;
      },
    );
    const privateKey = p256PrivateKey(randomBytes(48));
    const publicKey = await p256PublicKey(privateKey);
    let sharedSecret: Uint8Array;
    try {
      sharedSecret = await protocol.sharedSecret(privateKey, keyPoint);
    } catch (error) {
      throw new BridgeError('FIDO_BAD_KEY_AGREEMENT', 'The security key sent a key-agreement key that is not on P-256; reconnect it.', { cause: error });
    }
    return { protocol, sharedSecret, platformKey: coseEc2Key(publicKey.slice(1, 33), publicKey.slice(33), CoseAlgorithm.ECDH_ES_HKDF_256) };
  }

  /** paddedNewPin (§6.5.5.5): the PIN's UTF-8 bytes padded with zeros to 64, after checking the key's policy. */
  private async newPinBlock(pin: string, options: FidoCallOptions): Promise<Uint8Array> {
    const normalized = pin.normalize('NFC');
    const bytes = encoder.encode(normalized);
    const minimum = (await this.info(options)).minPinLength;
    if ([...normalized].length < minimum || bytes.length > MAX_PIN_BYTES || bytes.includes(0)) {
      throw new CtapError('PIN_POLICY_VIOLATION', `A FIDO PIN has at least ${minimum} characters and at most ${MAX_PIN_BYTES} bytes; choose another.`);
    }
    const padded = new Uint8Array(64);
    padded.set(bytes);
    return padded;
  }
}

/** LEFT(SHA-256(pin), 16) (§6.5.5.7). */
function pinHash(pin: string): Uint8Array {
  const bytes = encoder.encode(pin.normalize('NFC'));
  if (bytes.length === 0 || bytes.length > MAX_PIN_BYTES) throw new CtapError('PIN_INVALID', 'A FIDO PIN has 1 to 63 bytes; check it and try again.');
  return sha256(bytes).slice(0, 16);
}

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}
