/**
 * The FIDO2 / U2F client of the bridge (CTAP 2.1, docs/protocol.md §9) over any Transport with the `fido`
 * capability: virtual, UDP, USB HID, WebHID, Bluetooth (the FIDO GATT service over the BLE link, noble, Web
 * Bluetooth), and keys behind `hkey bridge` (ws). It speaks CTAP at the level of a
 * platform such as a browser's: the caller brings the clientDataHash (and builds clientDataJSON) and the relying
 * party verifies what comes back. Errors: CtapError (CTAP_<STATUS>) for the key's refusals, U2fError for U2F
 * status words, BridgeError / TransportError for the rest; no PIN ever appears in one.
 */
import { CoseAlgorithm, CtapCommand, type CtapMap, GetAssertionKey, MakeCredentialKey, ctapMap } from '@hkey/protocol';
import type { Transport } from '../transport.js';
import { ClientPin } from './client-pin.js';
import { CredentialManagement } from './credential-management.js';
import { CtapChannel, type FidoCallOptions } from './ctap-channel.js';
import {
  type Assertion,
  type AttestationResult,
  type AuthenticatorInfo,
  type GetAssertionParams,
  type MakeCredentialParams,
  descriptorMap,
  readAssertion,
  readAttestation,
  readInfo,
  userMap,
} from './fido-types.js';
import { U2fClient } from './u2f-client.js';

export interface FidoClientOptions {
  /** Use this PIN/UV auth protocol only; default 2 when the key offers it, else 1. */
  readonly pinProtocol?: 1 | 2;
}

export class FidoClient {
  private readonly channel: CtapChannel;
  private info: AuthenticatorInfo | undefined;
  /** ClientPIN: retries, set, change, tokens. */
  readonly clientPin: ClientPin;
  /** Discoverable credentials: metadata, relying parties, credentials, delete (needs a credentialManagement token). */
  readonly credentialManagement: CredentialManagement;
  /** CTAP1 over CTAPHID_MSG. */
  readonly u2f: U2fClient;

  /** Throws BridgeError FIDO_UNSUPPORTED when the transport carries no CTAP (keys without CBOR or without the FIDO GATT service). */
  constructor(
    readonly transport: Transport,
    options: FidoClientOptions = {},
  ) {
    this.channel = new CtapChannel(transport);
    this.clientPin = new ClientPin(this.channel, (callOptions) => this.cachedInfo(callOptions), options.pinProtocol);
    this.credentialManagement = new CredentialManagement(this.channel);
    this.u2f = new U2fClient(this.channel);
  }

  /** authenticatorGetInfo (§6.4), read afresh (clientPin changes when a PIN is set). */
  async getInfo(options?: FidoCallOptions): Promise<AuthenticatorInfo> {
    this.info = await this.channel.cbor(CtapCommand.GetInfo, undefined, readInfo, options);
    return this.info;
  }

  /** authenticatorMakeCredential (§6.1): a new credential after a touch, with its attestation. */
  makeCredential(params: MakeCredentialParams, options?: FidoCallOptions): Promise<AttestationResult> {
    const algorithms = params.algorithms ?? [CoseAlgorithm.ES256];
    const request = ctapMap([
      [MakeCredentialKey.clientDataHash, params.clientDataHash],
      [
        MakeCredentialKey.rp,
        ctapMap([
          ['id', params.rp.id],
          ['name', params.rp.name],
        ]),
      ],
      [MakeCredentialKey.user, userMap(params.user)],
      [
        MakeCredentialKey.pubKeyCredParams,
        algorithms.map((alg) =>
          ctapMap([
            ['alg', alg],
            ['type', 'public-key'],
          ]),
        ),
      ],
      [MakeCredentialKey.excludeList, params.excludeList?.length ? params.excludeList.map(descriptorMap) : undefined],
      [MakeCredentialKey.extensions, params.extensions?.size ? new Map(params.extensions) : undefined],
      [MakeCredentialKey.options, params.residentKey ? ctapMap([['rk', true]]) : undefined],
      [MakeCredentialKey.pinUvAuthParam, params.pinToken?.authenticate(params.clientDataHash)],
      [MakeCredentialKey.pinUvAuthProtocol, params.pinToken?.protocol],
    ]);
    return this.channel.cbor(CtapCommand.MakeCredential, request, readAttestation, options);
  }

  /** authenticatorGetAssertion (§6.2): the first assertion; `numberOfCredentials` says how many getNextAssertion adds. */
  getAssertion(params: GetAssertionParams, options?: FidoCallOptions): Promise<Assertion> {
    const request = ctapMap([
      [GetAssertionKey.rpId, params.rpId],
      [GetAssertionKey.clientDataHash, params.clientDataHash],
      [GetAssertionKey.allowList, params.allowList?.length ? params.allowList.map(descriptorMap) : undefined],
      [GetAssertionKey.extensions, params.extensions?.size ? new Map(params.extensions) : undefined],
      [GetAssertionKey.options, params.userPresence === false ? ctapMap([['up', false]]) : undefined],
      [GetAssertionKey.pinUvAuthParam, params.pinToken?.authenticate(params.clientDataHash)],
      [GetAssertionKey.pinUvAuthProtocol, params.pinToken?.protocol],
    ]);
    return this.channel.cbor(CtapCommand.GetAssertion, request, (result) => readAssertion(result, params.allowList), options);
  }

  /** authenticatorGetNextAssertion (§6.3): the next of the credentials getAssertion counted. */
  getNextAssertion(options?: FidoCallOptions): Promise<Assertion> {
    return this.channel.cbor(CtapCommand.GetNextAssertion, undefined, (result) => readAssertion(result, undefined), options);
  }

  /** Every assertion for the request: getAssertion, then getNextAssertion for each further matching credential. */
  async getAssertions(params: GetAssertionParams, options?: FidoCallOptions): Promise<Assertion[]> {
    const first = await this.getAssertion(params, options);
    const assertions = [first];
    while (assertions.length < (first.numberOfCredentials ?? 1)) assertions.push(await this.getNextAssertion(options));
    return assertions;
  }

  /** authenticatorSelection (§6.9): resolves once the user touches this key (picking it among several). */
  async selection(options?: FidoCallOptions): Promise<void> {
    await this.channel.cbor(CtapCommand.Selection, undefined, ignore, options);
  }

  /**
   * authenticatorReset (§6.6): erases every FIDO credential and the FIDO PIN after a touch. Keys allow it only
   * within 10 seconds of being plugged in (CTAP_NOT_ALLOWED after that).
   */
  async reset(options?: FidoCallOptions): Promise<void> {
    await this.channel.cbor(CtapCommand.Reset, undefined, ignore, options);
    this.info = undefined;
  }

  private async cachedInfo(options: FidoCallOptions): Promise<AuthenticatorInfo> {
    return this.info ?? this.getInfo(options);
  }
}

function ignore(_result: CtapMap): void {}
