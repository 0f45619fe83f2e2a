/**
 * One simulated key with its endpoints and the controls tests use on it (button, presence policy, clock jumps,
 * snapshots). It lives in the thread that serves its UDP port.
 */
import { HkeyError } from '@hkey/protocol';
import { BleEndpoint } from '../ble/ble-endpoint.js';
import { Button, type PresenceSource, autoApprove, autoDeny, neverPress } from '../core/presence.js';
import type { DeviceState } from '../core/state.js';
import type { LinkTiming } from '../core/pacer.js';
import type { VirtualClock } from '../core/virtual-clock.js';
import type { VirtualKey } from '../core/virtual-key.js';
import type { HidEndpoint } from '../hid/hid-endpoint.js';
import type { UdpHidServer, UdpPeer } from './udp-server.js';

export type PresencePolicy = 'auto-approve' | 'auto-deny' | 'never' | 'button';
export const PRESENCE_POLICIES: readonly PresencePolicy[] = ['auto-approve', 'auto-deny', 'never', 'button'];

export class SimulatedDevice {
  readonly button = new Button();
  private policy: PresencePolicy = 'auto-approve';
  private readonly snapshots = new Map<string, DeviceState>();
  private snapshotCount = 0;

  readonly ble: BleEndpoint;

  constructor(
    readonly key: VirtualKey,
    /** The key's own clock: real time, plus the jumps the control API asks for (advance). */
    readonly clock: VirtualClock,
    readonly hid: HidEndpoint<UdpPeer>,
    readonly udp: UdpHidServer,
    readonly stateFile: string | undefined,
    timing?: LinkTiming,
  ) {
    this.ble = new BleEndpoint(key, timing ? { connectionIntervalMs: timing.bleConnectionIntervalMs, maxMtu: 23 } : {});
  }

  /** Drops every connection: BLE links close, the HID interface re-enumerates. */
  disconnect(): void {
    this.key.events.emit({ type: 'fault', fault: 'disconnect' });
    this.ble.disconnectAll('disconnected by the control API');
    this.hid.reset();
  }

  /**
   * Lets `ms` of this key's time pass at once: its clock moves on and every timer due on the way fires, each
   * followed by the work it started (answers, I/O) before the next one, as in real time.
   */
  async advance(ms: number): Promise<void> {
    // Announced first, so the log shows the timeouts the jump causes after it.
    this.key.events.emit({ type: 'state', change: 'time-advanced', detail: { ms } });
    await this.clock.advance(ms, () => new Promise((resolve) => setImmediate(resolve)));
  }

  get presencePolicy(): PresencePolicy {
    return this.policy;
  }

  setPresencePolicy(policy: PresencePolicy): void {
    const sources: Record<PresencePolicy, PresenceSource> = { 'auto-approve': autoApprove, 'auto-deny': autoDeny, never: neverPress, button: this.button };
    this.policy = policy;
    this.key.presence = sources[policy];
    this.key.events.emit({ type: 'state', change: 'presence-policy', detail: { policy } });
  }

  /** Keeps a copy of the state in this process (it holds secrets, so it never leaves it); returns its id. */
  snapshot(): string {
    const id = `snap-${++this.snapshotCount}`;
    this.snapshots.set(id, this.key.state);
    return id;
  }

  /** The ids of the snapshots kept so far, oldest first. */
  get snapshotIds(): string[] {
    return [...this.snapshots.keys()];
  }

  async restore(id: string): Promise<void> {
    const state = this.snapshots.get(id);
    if (state === undefined) throw new HkeyError('SNAPSHOT_NOT_FOUND', `No snapshot "${id}" exists for this device.`);
    await this.key.restore(state);
  }
}
