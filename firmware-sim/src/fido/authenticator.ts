/**
 * The virtual key's FIDO2 / U2F authenticator (docs/protocol.md §9): decodes CTAP requests, runs the command
 * handlers and turns every failure into its CTAP status, so no input makes it throw. The key (VirtualKey) provides
 * persistence, the button, the clock and randomness through FidoHost.
 */
import { CtapCommand, CtapError, type CtapMap, CtapStatus, ctapStatusName, decodeCtap, encodeCtap } from '@hkey/protocol';
import { type AttestationIdentity, defaultAttestationIdentity } from './attestation.js';
import { clientPin } from './client-pin.js';
import { credentialManagement } from './credential-management.js';
import type { FidoState } from './fido-state.js';
import { getAssertion, getNextAssertion } from './get-assertion.js';
import { MAX_MSG_SIZE, getInfo } from './get-info.js';
import { makeCredential } from './make-credential.js';
import { type AttestationFormat, type FidoRuntime, VolatileFidoState } from './runtime.js';
import { type FidoSigner, nobleSigner } from './signer.js';
import { u2fRequest } from './u2f.js';

/** The button's answer; a hold never applies to FIDO, so 'hold-too-short' cannot come. */
export type PresenceAnswer = 'approved' | 'denied' | 'timeout' | 'cancelled' | 'hold-too-short';

export interface FidoCallOptions {
  readonly signal?: AbortSignal;
  readonly onStatus?: (status: 'processing' | 'user-presence') => void;
}

/** What the key gives its authenticator. */
export interface FidoHost {
  /** The persistent FIDO state, undefined until the first FIDO command creates it. */
  fidoState(): FidoState | undefined;
  commitFido(next: FidoState): Promise<void>;
  presence(reason: string, options: FidoCallOptions): Promise<PresenceAnswer>;
  randomBytes(length: number): Uint8Array;
  nowMs(): number;
  storageFree(): number;
}

export interface FidoOptions {
  /** Default: the simulator's batch identity under its fixed root (attestation.ts). */
  readonly attestation?: AttestationIdentity;
  readonly attestationFormat?: AttestationFormat;
  /** GetInfo transports (CTAP 2.1 §6.4). */
  readonly transports?: readonly string[];
  /** Default: @noble (isomorphic, deterministic). */
  readonly signer?: FidoSigner;
}

/** Reset is allowed this long after power-up only (CTAP 2.1 §6.6). */
export const RESET_WINDOW_MS = 10_000;

const COMMAND_NAMES = new Map<number, string>(Object.entries(CtapCommand).map(([name, code]) => [code, name]));

export function ctapCommandName(code: number): string {
  return COMMAND_NAMES.get(code) ?? `0x${code.toString(16).padStart(2, '0')}`;
}

export class FidoAuthenticator {
  private volatile: VolatileFidoState;
  private readonly attestation: AttestationIdentity;

  constructor(
    private readonly host: FidoHost,
    private readonly options: FidoOptions = {},
  ) {
    this.volatile = new VolatileFidoState(host.nowMs());
    this.attestation = options.attestation ?? defaultAttestationIdentity();
  }

  /** Power cycle: tokens, key agreement, wrong-PIN streaks and pending enumerations are gone. */
  powerUp(): void {
    this.volatile = new VolatileFidoState(this.host.nowMs());
  }

  /** One CTAPHID_CBOR request (command byte + CBOR) to its response (status byte + CBOR). */
  async cbor(request: Uint8Array, options: FidoCallOptions = {}): Promise<Uint8Array> {
    try {
      if (request.length === 0) throw new CtapError('INVALID_LENGTH', 'A CTAP request needs a command byte.');
      if (request.length > MAX_MSG_SIZE) throw new CtapError('REQUEST_TOO_LARGE', `A CTAP request may be at most ${MAX_MSG_SIZE} bytes.`);
      await this.ensureState();
      const command = request[0] as number;
      const body = request.length > 1 ? decodeCtap(request.subarray(1)) : undefined;
      if (body !== undefined && !(body instanceof Map)) throw new CtapError('CBOR_UNEXPECTED_TYPE', 'CTAP parameters must be a map.');
      const result = await this.dispatch(command, body, options);
      if (result.size === 0) return new Uint8Array([CtapStatus.OK]);
      const encoded = encodeCtap(result);
      const response = new Uint8Array(1 + encoded.length);
      response[0] = CtapStatus.OK;
      response.set(encoded, 1);
      return response;
    } catch (error) {
      if (error instanceof CtapError) return new Uint8Array([error.status]);
      throw error;
    }
  }

  /** One CTAPHID_MSG request (a U2F APDU) to its response APDU. */
  async u2f(apdu: Uint8Array, options: FidoCallOptions = {}): Promise<Uint8Array> {
    await this.ensureState();
    return u2fRequest(this.runtime(options), apdu);
  }

  /** The status name for events: OK, a CTAP status or its code. */
  static statusOf(response: Uint8Array): string {
    const code = response[0] ?? CtapStatus.OTHER;
    return ctapStatusName(code) ?? `0x${code.toString(16)}`;
  }

  private runtime(options: FidoCallOptions): FidoRuntime {
    const host = this.host;
    const state = (): FidoState => {
      const current = host.fidoState();
      if (current === undefined) throw new Error('The FIDO state is created before any handler runs.');
      return current;
    };
    const requirePresence = async (reason: string): Promise<void> => {
      const answer = await host.presence(reason, options);
      if (answer === 'denied' || answer === 'hold-too-short') throw new CtapError('OPERATION_DENIED', 'The user declined on the key.');
      if (answer === 'timeout') throw new CtapError('USER_ACTION_TIMEOUT', 'Nobody pressed the button in time.');
      if (answer === 'cancelled') throw new CtapError('KEEPALIVE_CANCEL', 'The host cancelled the request.');
    };
    return {
      state,
      commit: (next) => host.commitFido(next),
      requirePresence,
      requestPresence: async (reason) => (await host.presence(reason, {})) === 'approved',
      randomBytes: (length) => host.randomBytes(length),
      nowMs: () => host.nowMs(),
      storageFree: () => host.storageFree(),
      attestation: this.attestation,
      attestationFormat: this.options.attestationFormat ?? 'packed',
      signer: this.options.signer ?? nobleSigner,
      volatile: this.volatile,
    };
  }

  /** Creates the persistent FIDO state on first use (a fresh master secret). */
  private async ensureState(): Promise<void> {
    if (this.host.fidoState() !== undefined) return;
    await this.host.commitFido({ masterSecret: this.host.randomBytes(32), signCount: 0, credentials: [], nextCreated: 1 });
  }

  private async dispatch(command: number, body: CtapMap | undefined, options: FidoCallOptions): Promise<CtapMap> {
    const runtime = this.runtime(options);
    switch (command) {
      case CtapCommand.GetInfo:
        if (body !== undefined) throw new CtapError('INVALID_LENGTH', 'GetInfo takes no parameters.');
        return getInfo(runtime, this.options.transports ?? ['usb']);
      case CtapCommand.MakeCredential:
        return makeCredential(runtime, body ?? new Map());
      case CtapCommand.GetAssertion:
        return getAssertion(runtime, body ?? new Map());
      case CtapCommand.GetNextAssertion:
        return getNextAssertion(runtime);
      case CtapCommand.ClientPIN:
        return clientPin(runtime, body ?? new Map());
      case CtapCommand.CredentialManagement:
        return credentialManagement(runtime, body ?? new Map());
      case CtapCommand.Selection:
        await runtime.requirePresence('select this key');
        return new Map();
      case CtapCommand.Reset:
        return this.reset(runtime);
      default:
        throw new CtapError('INVALID_COMMAND', 'The key does not implement this CTAP command.');
    }
  }

  /** authenticatorReset (CTAP 2.1 §6.6): within ten seconds of power-up and with a press; the counter carries on. */
  private async reset(runtime: FidoRuntime): Promise<CtapMap> {
    if (runtime.nowMs() - this.volatile.poweredAtMs > RESET_WINDOW_MS) {
      throw new CtapError('NOT_ALLOWED', 'Reset works only within 10 seconds of plugging the key in.');
    }
    await runtime.requirePresence('reset the security key (erases every FIDO credential and the FIDO PIN)');
    const state = runtime.state();
    await runtime.commit({ masterSecret: runtime.randomBytes(32), signCount: state.signCount, credentials: [], nextCreated: state.nextCreated });
    this.volatile = new VolatileFidoState(this.volatile.poweredAtMs);
    return new Map();
  }
}
