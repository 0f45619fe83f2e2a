/**
 * The persistent state of a virtual key: what survives a power cut (docs/protocol.md §5.5).
 * Plain data, so stores can serialise it and tests can compare it.
 */
import type { FidoState } from '../fido/fido-state.js';
import type { ProvisioningState } from '../provisioning/provisioning-state.js';
import type { OtpAlgorithmName, OtpKindName } from './otp-types.js';

export interface Identity {
  readonly serial: string;
  readonly model: string;
  readonly firmware: string;
}

export interface StoredOtp {
  readonly secret: Uint8Array;
  readonly kind: OtpKindName;
  readonly algorithm: OtpAlgorithmName;
  readonly digits: number;
  /** TOTP only. */
  readonly period?: number;
  /** HOTP only: the counter of the next code. */
  readonly counter?: bigint;
}

export interface StoredAccount {
  readonly id: number;
  readonly name: string;
  readonly login?: string;
  readonly password?: string;
  readonly urls?: readonly string[];
  readonly apps?: readonly string[];
  readonly flags: number;
  readonly otp?: StoredOtp;
}

export interface StoredPin {
  readonly salt: Uint8Array;
  /** HMAC-SHA256(salt, PIN). */
  readonly hash: Uint8Array;
  readonly maxRetries: number;
  readonly retries: number;
  /** Device time (Unix seconds) when this PIN was set: the issuer's PIN policy may let it expire (docs/protocol.md §10.4.2). */
  readonly setAt?: number;
}

export interface DeviceState {
  readonly identity: Identity;
  readonly storageTotal: number;
  readonly battery: number;
  /** Device clock minus host clock, in milliseconds (SetTime moves it). */
  readonly clockOffsetMs: number;
  readonly pin?: StoredPin;
  /** Ascending by id. */
  readonly accounts: readonly StoredAccount[];
  /** The highest id assigned since the last Wipe (docs/protocol.md §5.1). */
  readonly lastId: number;
  /** The security-key mode's state, from its first FIDO command on (docs/protocol.md §9.5). */
  readonly fido?: FidoState;
  /** Sealed provisioning: identity seed, lifecycle, issuer (docs/protocol.md §10), from the first command that needs it on. */
  readonly provisioning?: ProvisioningState;
}

export const DEFAULT_STORAGE_TOTAL = 32_768;

export function initialState(identity: Identity, storageTotal = DEFAULT_STORAGE_TOTAL): DeviceState {
  return { identity, storageTotal, battery: 100, clockOffsetMs: 0, accounts: [], lastId: 0 };
}
