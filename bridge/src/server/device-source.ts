/**
 * What the bridge server serves: sources of keys, injected by the program that starts it, so the server itself
 * imports no transport (nor the simulator). A source is a TransportKind (list, hot-plug, HKP exchanges) plus,
 * where it can, raw access for the browser shims: 64-byte HID reports and GATT operations.
 */
import type { BridgeDevice, BridgeHidInfo, BridgeLink } from '../bridge-protocol.js';
import type { GattConnection } from '../gatt-connection.js';
import type { HidReportPort } from '../hid-report-port.js';
import type { HidChannelOptions } from '../hid-channel.js';
import type { DeviceDescriptor, TransportKind } from '../transport.js';
import { TransportError } from '../errors.js';
import { VirtualTransportKind } from '../transports/virtual.js';

export interface BridgeDeviceSource {
  readonly kind: TransportKind;
  /** Raw reports of a key's HID interface (the "hid" link). */
  openHid?(descriptor: DeviceDescriptor): Promise<HidReportPort>;
  /** GATT operations on a key's HKP service (the "gatt" link). */
  openGatt?(descriptor: DeviceDescriptor): Promise<GattConnection>;
  /** The links and HID identity of one key; default: "hkp" plus each raw link this source can open. */
  describe?(descriptor: DeviceDescriptor): { readonly links?: readonly BridgeLink[]; readonly hid?: BridgeHidInfo };
}

/** Shown by the HID shim when a source names no USB identity (the simulator has none: §1.2 leaves it to products). */
export const DEFAULT_HID_INFO: BridgeHidInfo = { vendorId: 0, productId: 0, productName: 'Hideez Key' };

export function bridgeDevice(source: BridgeDeviceSource, descriptor: DeviceDescriptor): BridgeDevice {
  const described = source.describe?.(descriptor) ?? {};
  const links = described.links ?? (['hkp', source.openHid && 'hid', source.openGatt && 'gatt'].filter(Boolean) as BridgeLink[]);
  const hid = links.includes('hid') ? (described.hid ?? { ...DEFAULT_HID_INFO, productName: descriptor.name ?? DEFAULT_HID_INFO.productName }) : undefined;
  return { ...descriptor, links, ...(hid === undefined ? {} : { hid }) };
}

export interface InProcessDevice {
  readonly id: string;
  readonly name?: string;
  readonly serial?: string;
  readonly hid?: BridgeHidInfo;
  /** A fresh HID port per session (the simulator's connectInProcess). */
  readonly connectHid: () => HidReportPort;
  /** A fresh GATT connection per session (gattFromBleEndpoint over the simulator's BleEndpoint); omitted: no BLE. */
  readonly connectGatt?: () => GattConnection;
}

/**
 * Keys living in the embedding program (`hkey bridge --virtual N`): it creates them with @hkey/firmware-sim and
 * adds them here, which keeps the bridge free of the simulator.
 */
export class InProcessSource implements BridgeDeviceSource {
  readonly kind: VirtualTransportKind;
  private readonly devices = new Map<string, InProcessDevice>();

  constructor(options: HidChannelOptions = {}) {
    this.kind = new VirtualTransportKind(options);
  }

  /** Makes a key available; returns a function that unplugs it again. */
  add(device: InProcessDevice): () => void {
    this.devices.set(device.id, device);
    const remove = this.kind.add({ id: device.id, name: device.name, serial: device.serial, connect: device.connectHid });
    return () => {
      if (this.devices.get(device.id) !== device) return;
      this.devices.delete(device.id);
      remove();
    };
  }

  async openHid(descriptor: DeviceDescriptor): Promise<HidReportPort> {
    return this.device(descriptor).connectHid();
  }

  async openGatt(descriptor: DeviceDescriptor): Promise<GattConnection> {
    const connect = this.device(descriptor).connectGatt;
    if (connect === undefined) throw new TransportError('NOT_FOUND', { message: 'This in-process key has no BLE interface.' });
    return connect();
  }

  describe(descriptor: DeviceDescriptor): { links: BridgeLink[]; hid?: BridgeHidInfo } {
    const device = this.devices.get(descriptor.id);
    return { links: device?.connectGatt === undefined ? ['hkp', 'hid'] : ['hkp', 'hid', 'gatt'], hid: device?.hid };
  }

  private device(descriptor: DeviceDescriptor): InProcessDevice {
    const device = this.devices.get(descriptor.id);
    if (device === undefined) throw new TransportError('NOT_FOUND', { message: 'No in-process key has this id; list the keys to see which are there.' });
    return device;
  }
}
