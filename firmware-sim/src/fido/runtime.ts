/**
 * What the FIDO command handlers may use (docs/protocol.md §9): the key's persistent FIDO state, its button, clock,
 * randomness and storage, and the state that lives only until the next power cycle.
 */
import type { AttestationIdentity } from './attestation.js';
import type { FidoState } from './fido-state.js';
import type { FidoSigner } from './signer.js';

export type AttestationFormat = 'packed' | 'self' | 'none';

/** The authenticator's ECDH key of this power cycle; the public key resolves once @noble's P-256 has loaded. */
export interface KeyAgreementKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Promise<Uint8Array>;
}

export interface PinUvAuthToken {
  readonly token: Uint8Array;
  readonly protocol: number;
  readonly permissions: number;
  /** Bound by the first request that uses it when the token was issued without one (CTAP 2.1 §6.5.5.7). */
  rpId: string | undefined;
  readonly expiresAtMs: number;
}

export interface PendingAssertions {
  readonly rpId: string;
  readonly clientDataHash: Uint8Array;
  readonly credentialIds: readonly Uint8Array[];
  next: number;
  readonly flags: number;
  readonly extensions: unknown;
  /** 30 s after the last GetAssertion or GetNextAssertion (CTAP 2.1 §6.3: each one restarts the timer). */
  expiresAtMs: number;
}

export interface Enumeration<T> {
  readonly items: readonly T[];
  next: number;
}

/** Volatile authenticator state: gone at every power cycle, as on a real key. */
export class VolatileFidoState {
  keyAgreement: KeyAgreementKey | undefined;
  token: PinUvAuthToken | undefined;
  /** Wrong PINs since power-up: three block PIN entry until the next power cycle (CTAP 2.1 §6.5.5.5). */
  consecutiveMismatches = 0;
  pendingAssertions: PendingAssertions | undefined;
  rpEnumeration: Enumeration<{ rpId: string; rpName: string | undefined }> | undefined;
  credentialEnumeration: Enumeration<Uint8Array> | undefined;
  /** When the last U2F touch was seen and not yet used (U2F tests of user presence). */
  u2fTouchAtMs: number | undefined;
  u2fTouchPending = false;

  constructor(readonly poweredAtMs: number) {}
}

export interface FidoRuntime {
  /** The persistent FIDO state (created on first use). */
  state(): FidoState;
  /** Makes `next` durable before the command answers. */
  commit(next: FidoState): Promise<void>;
  /** Waits for the button; throws CtapError OPERATION_DENIED, USER_ACTION_TIMEOUT or KEEPALIVE_CANCEL unless pressed. */
  requirePresence(reason: string): Promise<void>;
  /** Starts a button wait without waiting for it (U2F); resolves true when pressed. */
  requestPresence(reason: string): Promise<boolean>;
  randomBytes(length: number): Uint8Array;
  nowMs(): number;
  /** Bytes of the key's storage still free (accounts and discoverable credentials share it). */
  storageFree(): number;
  readonly attestation: AttestationIdentity;
  readonly attestationFormat: AttestationFormat;
  readonly signer: FidoSigner;
  readonly volatile: VolatileFidoState;
}
