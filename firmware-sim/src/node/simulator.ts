/**
 * A fleet of virtual keys in this thread with their endpoints: what `hkey sim` runs with one worker, and what each
 * worker runs for its share of the keys (sharded-simulator.ts). Device i listens on UDP port `udpPort + i`; each has
 * its own state file, button and event log.
 */
import { rm } from 'node:fs/promises';
import { BLE_LINK_DEFAULT_PORT, HkeyError, isLoopbackHostname } from '@hkey/protocol';
import type { LoggedEvent } from '../core/events.js';
import { MemoryStore, type StateStore } from '../core/store.js';
import type { LinkTiming } from '../core/pacer.js';
import { VirtualClock } from '../core/virtual-clock.js';
import { VirtualKey } from '../core/virtual-key.js';
import type { AttestationCa } from '../fido/attestation.js';
import type { FidoOptions } from '../fido/authenticator.js';
import { HidEndpoint } from '../hid/hid-endpoint.js';
import { type BleLinkServer, startBleLinkServer } from './ble-link-server.js';
import { openBleLinkSession } from './ble-link-session.js';
import { KeyMonitors } from './dashboard/key-monitors.js';
import { keyRow } from './dashboard/key-views.js';
import type { KeyRow } from './dashboard/view-model.js';
import { ControlError, type DeviceDescription, type DeviceRequest, controlDevice, describeDevice } from './device-control.js';
import { FileStore } from './file-store.js';
import type { BleLinkSession, BleLinkSink, KeyFleet } from './key-fleet.js';
import { LOOPBACK } from './listen-error.js';
import { nodeFidoSigner } from './node-fido-signer.js';
import { type PresencePolicy, SimulatedDevice } from './simulated-device.js';
import { type UdpPeer, startUdpHidServer } from './udp-server.js';

export const DEFAULT_UDP_PORT = 8111;
export const DEFAULT_CONTROL_PORT = 8110;
export const DEFAULT_BLE_PORT = BLE_LINK_DEFAULT_PORT;

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

function stateFileFor(base: string, index: number): string {
  if (index === 0) return base;
  const dot = base.lastIndexOf('.');
  return dot > base.lastIndexOf('/') ? `${base.slice(0, dot)}-${index + 1}${base.slice(dot)}` : `${base}-${index + 1}`;
}

/** Where a simulator sits in a sharded fleet (sharded-simulator.ts): its first device's index, and who serves BLE. */
export interface ShardPlacement {
  readonly firstIndex: number;
  /** The parent thread serves the BLE link and hands this shard its keys' sessions. */
  readonly bleLinkInParent: boolean;
}

export class Simulator implements KeyFleet {
  private readonly bySerial: ReadonlyMap<string, SimulatedDevice>;
  readonly serials: readonly string[];
  /** What each key is doing, as the dashboard shows it: watched from start to close. */
  private readonly monitors: KeyMonitors;
  bleLink: BleLinkServer | undefined;

  private constructor(readonly devices: readonly SimulatedDevice[]) {
    this.bySerial = new Map(devices.map((device) => [device.key.serial, device]));
    this.serials = devices.map((device) => device.key.serial);
    this.monitors = new KeyMonitors(devices);
  }

  static async start(options: SimulatorOptions = {}, shard?: ShardPlacement): Promise<Simulator> {
    const host = options.host ?? LOOPBACK;
    if (!isLoopbackHostname(host) && !options.allowRemote) {
      throw new HkeyError('REMOTE_BIND_REFUSED', `Listening on ${host} exposes the simulator to the network; pass --allow-remote to do it anyway.`);
    }
    const count = options.devices ?? 1;
    const firstIndex = shard?.firstIndex ?? 0;
    const basePort = options.udpPort ?? DEFAULT_UDP_PORT;
    const blePort = options.blePort === undefined ? DEFAULT_BLE_PORT : options.blePort;
    const bleLinked = shard ? shard.bleLinkInParent : blePort !== null;
    // GetInfo names BLE only when the keys offer it (their FIDO GATT service, docs/protocol.md §2.12).
    const fido: FidoOptions = { ...options.fido, transports: bleLinked ? ['usb', 'ble'] : ['usb'], signer: nodeFidoSigner() };
    const devices: SimulatedDevice[] = [];
    try {
      for (let index = firstIndex; index < firstIndex + count; index++) {
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
      const simulator = new Simulator(devices);
      if (!shard && blePort !== null) simulator.bleLink = await startBleLinkServer(simulator, { host, port: blePort });
      return simulator;
    } catch (error) {
      await Promise.all(devices.map((device) => device.udp.close()));
      throw error;
    }
  }

  device(serial: string): SimulatedDevice | undefined {
    return this.bySerial.get(serial);
  }

  private owned(serial: string): SimulatedDevice {
    const device = this.bySerial.get(serial);
    if (device === undefined) throw new ControlError(404, 'DEVICE_NOT_FOUND', 'No simulated device has this serial.');
    return device;
  }

  async describe(): Promise<DeviceDescription[]> {
    return this.devices.map(describeDevice);
  }

  control(serial: string, request: DeviceRequest, signal: AbortSignal): Promise<unknown> {
    const device = this.owned(serial);
    return controlDevice(device, this.monitors.of(device), request, signal);
  }

  async rows(serials?: readonly string[]): Promise<KeyRow[]> {
    const devices = serials === undefined ? this.devices : serials.map((serial) => this.owned(serial));
    return devices.map((device) => keyRow(device, this.monitors.of(device)));
  }

  async subscribe(listener: (event: LoggedEvent) => void): Promise<() => void> {
    const unsubscribers = this.devices.map((device) => device.key.events.subscribe(listener));
    return () => unsubscribers.forEach((unsubscribe) => unsubscribe());
  }

  openBleLink(serial: string, sink: BleLinkSink): BleLinkSession {
    return openBleLinkSession(this.owned(serial).ble, sink);
  }

  async close(): Promise<void> {
    this.monitors.close();
    await Promise.all([...this.devices.map((device) => device.udp.close()), this.bleLink?.close()]);
  }
}
