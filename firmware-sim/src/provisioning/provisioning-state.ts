/**
 * What a key keeps for sealed provisioning (docs/protocol.md §10). The seed is the key's identity: the key-agreement
 * and signing key pairs derive from it, so it survives Wipe like the serial does. The rest is the issuer's.
 */
import type { LifecycleName } from '@hkey/protocol';

export interface PinPolicy {
  /** 4 to 8 digits. */
  readonly minLength: number;
  /** PIN attempts of the next PIN, 3 to 10. */
  readonly maxTries: number;
  /** A PIN older than this many days must be changed (0: never). */
  readonly expiryDays: number;
}

export interface EnrolledIssuer {
  /** P-256, SEC1 uncompressed. */
  readonly publicKey: Uint8Array;
  /** The last sealed item applied (0: none yet). */
  readonly sequence: number;
}

export interface ProvisioningState {
  /** 32 random bytes made on the key's first provisioning command: its manufacture, as far as anyone can observe. */
  readonly seed: Uint8Array;
  readonly lifecycle: LifecycleName;
  readonly issuer?: EnrolledIssuer;
  readonly pinPolicy?: PinPolicy;
}
