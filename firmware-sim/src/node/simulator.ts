/**
 * A fleet of virtual keys in one process with their endpoints: what `hkey sim` runs.
 * Device i listens on UDP port `udpPort + i`; each has its own state file, button and event log.
 */
import { rm } from 'node:fs/promises';
import { BLE_LINK_DEFAULT_PORT, HkeyError, isLoopbackHostname } from '@hkey/protocol';
import { BleEndpoint } from '../ble/ble-endpoint.js';
import { type BleLinkServer, startBleLinkServer } from './ble-link-server.js';
import { Button, type PresenceSource, autoApprove, autoDeny, neverPress } from '../core/presence.js';
import type { DeviceState } from '../core/state.js';
import { MemoryStore, type StateStore } from '../core/store.js';
import type { LinkTiming } from '../core/pacer.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { VirtualKey } from '../core/virtual-key.js';
import type { AttestationCa } from '../fido/attestation.js';
import type { FidoOptions } from '../fido/authenticator.js';
import { HidEndpoint } from '../hid/hid-endpoint.js';
import { FileStore } from './file-store.js';
import { LOOPBACK } from './listen-error.js';
import { nodeFidoSigner } from './node-fido-signer.js';
import { type UdpHidServer, type UdpPeer, startUdpHidServer } from './udp-server.js';

export const DEFAULT_UDP_PORT = 8111;
export const DEFAULT_CONTROL_PORT = 8110;
export const DEFAULT_BLE_PORT = BLE_LINK_DEFAULT_PORT;

export type PresencePolicy = 'auto-approve' | 'auto-deny' | 'never' | 'button';
export const PRESENCE_POLICIES: readonly PresencePolicy[] = ['auto-approve', 'auto-deny', 'never', 'button'];

export interface SimulatorOptions {
  readonly devices?: number;
  /** First UDP port; 0 picks free ports (tests). */
  readonly udpPort?: number;
  /** BLE link port shared by every key; 0 picks a free port; null disables the BLE link. */
  readonly blePort?: number | null;
  readonly host?: string;
  /** Listening beyond loopback needs this explicit consent. */
  readonly allowRemote?: boolean;
  /** State file of device 1; device i > 1 uses the same name with "-i" before the extension. Omitted: memory only. */
  readonly stateFile?: string;
  readonly passphrase?: string;
  /** Deletes the state files before starting: the only way past a damaged or unwanted state. */
  readonly resetState?: boolean;
  /** Sets every device clock to this time (Unix seconds) at start, for reproducible runs. */
  readonly clockSeconds?: number;
  readonly presence?: PresencePolicy;
  readonly storageTotal?: number;
  /** Slows the links to a real key's pace (docs/scaling.md): 1 ms per HID report, BLE fragments of 20 bytes once per connection interval. */
  readonly timing?: LinkTiming;
  /** The security-key mode's attestation: a team's own CA (loadAttestationCa) and the format (docs/protocol.md §9.7). */
  readonly fido?: Pick<FidoOptions, 'attestation' | 'attestationFormat'>;
  /** The CA that certifies the keys' provisioning identities (docs/protocol.md §10.2); default the simulator root. */
  readonly manufacturerCa?: AttestationCa;
}

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

function stateFileFor(base: string, index: number): string {
  if (index === 0) return base;
  const dot = base.lastIndexOf('.');
  return dot > base.lastIndexOf('/') ? `${base.slice(0, dot)}-${index + 1}${base.slice(dot)}` : `${base}-${index + 1}`;
}

export class Simulator {
  private constructor(
    readonly devices: readonly SimulatedDevice[],
    readonly bleLink: BleLinkServer | undefined,
  ) {}

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const host = options.host ?? LOOPBACK;
    if (!isLoopbackHostname(host) && !options.allowRemote) {
      throw new HkeyError('REMOTE_BIND_REFUSED', `Listening on ${host} exposes the simulator to the network; pass --allow-remote to do it anyway.`);
    }
    const count = options.devices ?? 1;
    const basePort = options.udpPort ?? DEFAULT_UDP_PORT;
    const blePort = options.blePort === undefined ? DEFAULT_BLE_PORT : options.blePort;
    // GetInfo names BLE only when the keys offer it (their FIDO GATT service, docs/protocol.md §2.12).
    const fido: FidoOptions = { ...options.fido, transports: blePort === null ? ['usb'] : ['usb', 'ble'], signer: nodeFidoSigner() };
    const devices: SimulatedDevice[] = [];
    try {
      for (let index = 0; index < count; index++) {
        const stateFile = options.stateFile && stateFileFor(options.stateFile, index);
        if (stateFile && options.resetState) await rm(stateFile, { force: true });
        const store: StateStore = stateFile ? new FileStore(stateFile, { passphrase: options.passphrase }) : new MemoryStore();
        const serial = `HK-SIM-${String(index + 1).padStart(6, '0')}`;
        const clock = new VirtualClock();
        const key = await VirtualKey.start({
          store,
          clock,
          identity: { serial },
          storageTotal: options.storageTotal,
          fido,
          manufacturerCa: options.manufacturerCa,
        });
        if (options.clockSeconds !== undefined) await key.setTime(options.clockSeconds);
        const hid = new HidEndpoint<UdpPeer>(key, { reportIntervalMs: options.timing?.hidReportIntervalMs });
        const udp = await startUdpHidServer(hid, { host, port: basePort === 0 ? 0 : basePort + index });
        const device = new SimulatedDevice(key, clock, hid, udp, stateFile, options.timing);
        device.setPresencePolicy(options.presence ?? 'auto-approve');
        devices.push(device);
      }
      const bleLink =
        blePort === null
          ? undefined
          : await startBleLinkServer(
              devices.map((device) => device.ble),
              { host, port: blePort },
            );
      return new Simulator(devices, bleLink);
    } catch (error) {
      await Promise.all(devices.map((device) => device.udp.close()));
      throw error;
    }
  }

  device(serial: string): SimulatedDevice | undefined {
    return this.devices.find((device) => device.key.serial === serial);
  }

  async close(): Promise<void> {
    await Promise.all([...this.devices.map((device) => device.udp.close()), this.bleLink?.close()]);
  }
}
