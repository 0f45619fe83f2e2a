import type { PresenceKind } from '../core/presence.js';
import type { DeviceState } from '../core/state.js';
import type { KeyIdentity } from '../provisioning/key-identity.js';

/** What a command handler may do to the key. Handlers are pure apart from these calls. */
export interface CommandContext {
  readonly state: DeviceState;
  readonly session: { readonly id: number; unlocked: boolean };
  /** Makes `next` durable and current; throws DeviceStatus(STORAGE_FAILURE) if the flash write fails. */
  commit(next: DeviceState): Promise<void>;
  /** Waits for the button; throws the matching DeviceStatus unless approved. */
  requirePresence(kind: PresenceKind, reason: string): Promise<void>;
  /** Device clock, Unix seconds. */
  deviceTimeSeconds(): number;
  setDeviceTime(seconds: number): DeviceState;
  randomBytes(length: number): Uint8Array;
  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array;
  /** Every other session goes back to locked (a new PIN was set or the key was wiped). */
  lockOtherSessions(): void;
  wink(): void;
  /** The key's provisioning identity (docs/protocol.md §10.2); its seed is made and stored on first use. */
  keyIdentity(): Promise<KeyIdentity>;
}
