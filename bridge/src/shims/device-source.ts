/**
 * Where the shims' devices come from. The shims depend on this interface only: either the bridge server
 * (bridgeDeviceSource, keys of any kind over WebSocket) or keys living in the page itself (InPageDeviceSource,
 * which the page fills with @hkey/firmware-sim's connectInProcess and connectGattEndpoint(new BleEndpoint(key))).
 */
import type { BridgeDevice, BridgeHidInfo } from '../bridge-protocol.js';
import type { GattConnection } from '../gatt-connection.js';
import type { HidReportPort } from '../hid-report-port.js';
import { openBridgeGatt, openBridgeHidPort } from '../transports/ws-raw.js';
import { BridgeConnection, type BridgeConnectionOptions } from '../transports/ws-connection.js';
import { TransportError } from '../errors.js';

export interface ShimDevice {
  /** Stable for as long as the source knows the key; what permissions are remembered by. */
  readonly id: string;
  /** Shown in the chooser and as BluetoothDevice.name. */
  readonly name: string;
  /** Shown in the chooser, to tell keys of one model apart. */
  readonly serial?: string;
  /** Present when the key has a HID interface (WebHID sees it). */
  readonly hid?: BridgeHidInfo;
  /** The key has the HKP GATT service (Web Bluetooth sees it). */
  readonly gatt: boolean;
}

export type ShimDeviceChange = { readonly type: 'add' | 'remove'; readonly device: ShimDevice };

export interface DeviceSource {
  list(): Promise<ShimDevice[]>;
  /** Hot-plug; returns an unsubscribe function. Sources without it have a fixed set of keys. */
  watch?(listener: (change: ShimDeviceChange) => void): () => void;
  /** A fresh HID port; rejects when the key is busy or gone. */
  openHid(id: string): Promise<HidReportPort>;
  /** A fresh GATT connection; rejects when the key is busy or gone. */
  connectGatt(id: string): Promise<GattConnection>;
}

function shimDevice(device: BridgeDevice): ShimDevice {
  return {
    id: device.id,
    name: device.hid?.productName ?? device.name ?? 'Hideez Key',
    ...(device.serial === undefined ? {} : { serial: device.serial }),
    ...(device.links.includes('hid') && device.hid !== undefined ? { hid: device.hid } : {}),
    gatt: device.links.includes('gatt'),
  };
}

/** Keys behind a bridge server: each open is its own connection and lease (DEVICE_BUSY while another client has the key). */
export function bridgeDeviceSource(options: BridgeConnectionOptions = {}): DeviceSource {
  return {
    async list() {
      const connection = await BridgeConnection.connect(options);
      try {
        return (await connection.request('list', {})).devices.map(shimDevice);
      } finally {
        connection.close();
      }
    },
    watch(listener) {
      let connection: BridgeConnection | undefined;
      let stopped = false;
      // Hot-plug is best effort: without a bridge there is nothing to watch, and list() reports the error.
      void BridgeConnection.connect(options).then(
        async (opened) => {
          connection = opened;
          if (stopped) return opened.close();
          opened.on('device-added', ({ device }) => listener({ type: 'add', device: shimDevice(device) }));
          opened.on('device-removed', ({ device }) => listener({ type: 'remove', device: shimDevice(device) }));
          await opened.request('watch', {});
        },
        () => undefined,
      );
      return () => {
        stopped = true;
        connection?.close();
      };
    },
    openHid: (id) => openBridgeHidPort(options, id),
    connectGatt: (id) => openBridgeGatt(options, id),
  };
}

export interface InPageDevice {
  readonly id: string;
  readonly name?: string;
  readonly serial?: string;
  readonly hid?: BridgeHidInfo;
  /** A fresh port per open (connectInProcess(key)); omitted: no HID interface. */
  readonly connectHid?: () => HidReportPort;
  /** A fresh connection per connect (connectGattEndpoint(bleEndpoint)); omitted: no BLE. */
  readonly connectGatt?: () => GattConnection;
}

/** Keys in the page itself: no server, nothing leaves the tab. */
export class InPageDeviceSource implements DeviceSource {
  private readonly devices = new Map<string, InPageDevice>();
  private readonly listeners = new Set<(change: ShimDeviceChange) => void>();

  constructor(devices: readonly InPageDevice[] = []) {
    for (const device of devices) this.devices.set(device.id, device);
  }

  /** Plugs a key in; returns the function that unplugs it. */
  add(device: InPageDevice): () => void {
    this.devices.set(device.id, device);
    this.emit({ type: 'add', device: this.describe(device) });
    return () => {
      if (this.devices.get(device.id) !== device) return;
      this.devices.delete(device.id);
      this.emit({ type: 'remove', device: this.describe(device) });
    };
  }

  async list(): Promise<ShimDevice[]> {
    return [...this.devices.values()].map((device) => this.describe(device));
  }

  watch(listener: (change: ShimDeviceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async openHid(id: string): Promise<HidReportPort> {
    const connect = this.devices.get(id)?.connectHid;
    if (connect === undefined) throw new TransportError('NOT_FOUND', { message: 'No key with a HID interface has this id in the page.' });
    return connect();
  }

  async connectGatt(id: string): Promise<GattConnection> {
    const connect = this.devices.get(id)?.connectGatt;
    if (connect === undefined) throw new TransportError('NOT_FOUND', { message: 'No key with BLE has this id in the page.' });
    return connect();
  }

  private describe(device: InPageDevice): ShimDevice {
    const name = device.name ?? 'Hideez Key (virtual)';
    return {
      id: device.id,
      name,
      ...(device.serial === undefined ? {} : { serial: device.serial }),
      ...(device.connectHid === undefined ? {} : { hid: device.hid ?? { vendorId: 0, productId: 0, productName: name } }),
      gatt: device.connectGatt !== undefined,
    };
  }

  private emit(change: ShimDeviceChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
