/**
 * Keys through the browser's Web Bluetooth (navigator.bluetooth, or the shim of the same shape): the HKP GATT
 * service (docs/protocol.md §2.2), and the FIDO service (§2.12) when the key offers it and the page may use it,
 * as one GattConnection under the shared BLE channels. Web Bluetooth hides the ATT_MTU; Chrome's stacks negotiate
 * the largest one, so fragments are as long as the control point length allows unless `mtu` says otherwise.
 * Browser only.
 */
import { BLE_MAX_ATT_MTU, FIDO_GATT, HKP_GATT } from '@hkey/protocol';
import type { BleChannelOptions } from '../ble-channel.js';
import { BleTransport } from '../ble-transport.js';
import { TransportError } from '../errors.js';
import { type GattConnection, type GattNotifying, type GattReadable, type GattWritable, keyRefusedWrite } from '../gatt-connection.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

/** The parts of Web Bluetooth used here (TypeScript's DOM library has no Web Bluetooth types). */
export interface WebBluetoothCharacteristic extends EventTarget {
  readonly value?: DataView | null;
  readValue(): Promise<DataView>;
  writeValueWithResponse(value: Uint8Array): Promise<void>;
  writeValueWithoutResponse(value: Uint8Array): Promise<void>;
  startNotifications(): Promise<unknown>;
  stopNotifications(): Promise<unknown>;
}

interface WebBluetoothService {
  getCharacteristic(uuid: string): Promise<WebBluetoothCharacteristic>;
}

export interface WebBluetoothDevice extends EventTarget {
  readonly id: string;
  readonly name?: string;
  readonly gatt?: {
    readonly connected: boolean;
    connect(): Promise<{ getPrimaryService(uuid: string): Promise<WebBluetoothService> }>;
    disconnect(): void;
  };
}

export interface WebBluetooth {
  requestDevice(options: { filters: readonly { services: readonly string[] }[]; optionalServices?: readonly string[] }): Promise<WebBluetoothDevice>;
  getDevices?(): Promise<WebBluetoothDevice[]>;
}

export interface WebBluetoothTransportOptions extends BleChannelOptions {
  /** Default navigator.bluetooth. */
  readonly bluetooth?: WebBluetooth;
  /** The ATT_MTU to assume; default 517, what Chrome asks for. Give a key's real, smaller MTU here. */
  readonly mtu?: number;
}

type CharacteristicName = GattReadable | GattWritable | GattNotifying;

const HKP_CHARACTERISTICS: readonly (readonly [CharacteristicName, string])[] = [
  ['control-point', HKP_GATT.CONTROL_POINT_UUID],
  ['status', HKP_GATT.STATUS_UUID],
  ['control-point-length', HKP_GATT.CONTROL_POINT_LENGTH_UUID],
  ['service-revision', HKP_GATT.SERVICE_REVISION_UUID],
];
const FIDO_CHARACTERISTICS: readonly (readonly [CharacteristicName, string])[] = [
  ['fido-control-point', FIDO_GATT.CONTROL_POINT_UUID],
  ['fido-status', FIDO_GATT.STATUS_UUID],
  ['fido-control-point-length', FIDO_GATT.CONTROL_POINT_LENGTH_UUID],
  ['fido-service-revision-bitfield', FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID],
];

function bytesOf(view: DataView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

async function characteristicsOf(service: WebBluetoothService, names: typeof HKP_CHARACTERISTICS): Promise<[CharacteristicName, WebBluetoothCharacteristic][]> {
  return Promise.all(names.map(async ([name, uuid]) => [name, await service.getCharacteristic(uuid)] as [CharacteristicName, WebBluetoothCharacteristic]));
}

/** Connects GATT and finds the HKP service and, when the page may use it (among optionalServices), the FIDO service. */
export async function connectWebBluetoothGatt(device: WebBluetoothDevice, mtu: number = BLE_MAX_ATT_MTU): Promise<GattConnection> {
  const gatt = device.gatt;
  if (gatt === undefined) throw new TransportError('NOT_FOUND', { message: 'This Bluetooth device has no GATT server.' });
  const characteristics = new Map<CharacteristicName, WebBluetoothCharacteristic>();
  try {
    const server = await gatt.connect();
    for (const [name, characteristic] of await characteristicsOf(await server.getPrimaryService(HKP_GATT.SERVICE_UUID), HKP_CHARACTERISTICS))
      characteristics.set(name, characteristic);
    // NotFoundError (no FIDO service) or SecurityError (not among the page's optionalServices): HKP only.
    const fido = await server.getPrimaryService(FIDO_GATT.SERVICE_UUID).catch(() => undefined);
    if (fido !== undefined) for (const [name, characteristic] of await characteristicsOf(fido, FIDO_CHARACTERISTICS)) characteristics.set(name, characteristic);
  } catch (error) {
    gatt.disconnect();
    throw new TransportError('DISCONNECTED', {
      cause: error,
      message: `The browser could not connect to the key: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  const characteristic = (name: CharacteristicName): WebBluetoothCharacteristic => {
    const found = characteristics.get(name);
    if (found === undefined) throw new TransportError('NOT_FOUND', { message: 'The key offers this page no FIDO service.' });
    return found;
  };
  return {
    services: characteristics.has('fido-control-point') ? ['hkp', 'fido'] : ['hkp'],
    mtu,
    exchangeMtu: async () => mtu,
    read: async (name) => bytesOf(await characteristic(name).readValue()),
    async write(value, withResponse, name = 'control-point') {
      const target = characteristic(name);
      if (!withResponse) return target.writeValueWithoutResponse(value);
      try {
        await target.writeValueWithResponse(value);
      } catch (error) {
        throw gatt.connected ? keyRefusedWrite(error) : error;
      }
    },
    async subscribe(enable, name = 'status') {
      await (enable ? characteristic(name).startNotifications() : characteristic(name).stopNotifications());
    },
    onNotify(listener) {
      const stops = (['status', 'fido-status'] as const).map((name) => {
        const onChange = (event: Event): void => {
          const value = (event.target as WebBluetoothCharacteristic).value;
          if (value) listener(bytesOf(value), name);
        };
        const target = characteristics.get(name);
        target?.addEventListener('characteristicvaluechanged', onChange);
        return () => target?.removeEventListener('characteristicvaluechanged', onChange);
      });
      return () => stops.forEach((stop) => stop());
    },
    onDisconnect(listener) {
      const onDisconnect = (): void => listener('the Bluetooth connection was lost');
      if (!gatt.connected) {
        onDisconnect();
        return () => undefined;
      }
      device.addEventListener('gattserverdisconnected', onDisconnect);
      return () => device.removeEventListener('gattserverdisconnected', onDisconnect);
    },
    close: async () => gatt.disconnect(),
  };
}

const devices = new Map<string, WebBluetoothDevice>();

function descriptorOf(device: WebBluetoothDevice): DeviceDescriptor {
  devices.set(device.id, device);
  return { id: device.id, transport: 'webbluetooth', name: device.name };
}

export class WebBluetoothTransportKind implements TransportKind {
  constructor(private readonly options: WebBluetoothTransportOptions = {}) {}

  private get bluetooth(): WebBluetooth {
    const bluetooth = this.options.bluetooth ?? (globalThis.navigator as (Navigator & { bluetooth?: WebBluetooth }) | undefined)?.bluetooth;
    if (bluetooth === undefined)
      throw new TransportError('NOT_FOUND', { message: 'This browser has no Web Bluetooth; use Chrome or Edge, or install the hkey Web Bluetooth shim.' });
    return bluetooth;
  }

  /** Shows the browser's chooser for keys advertising the HKP service (call it from a click handler); undefined when cancelled. */
  async request(): Promise<DeviceDescriptor | undefined> {
    try {
      // The FIDO service among optionalServices, so that the transport may use it (§2.12).
      return descriptorOf(await this.bluetooth.requestDevice({ filters: [{ services: [HKP_GATT.SERVICE_UUID] }], optionalServices: [FIDO_GATT.SERVICE_UUID] }));
    } catch (error) {
      if (error instanceof DOMException && error.name === 'NotFoundError') return undefined;
      throw error;
    }
  }

  /** The keys this page was granted (browsers without getDevices: those requested in this page). */
  async list(): Promise<DeviceDescriptor[]> {
    const granted = this.bluetooth.getDevices === undefined ? [...devices.values()] : await this.bluetooth.getDevices();
    return granted.map(descriptorOf);
  }

  /** Web Bluetooth reports no arrivals: the granted keys are listed once. */
  listen(observer: DeviceObserver): Subscription {
    let stopped = false;
    this.list().then(
      (list) => list.forEach((descriptor) => !stopped && observer.next({ type: 'add', descriptor })),
      (error: unknown) => observer.error?.(error),
    );
    return { unsubscribe: () => (stopped = true) };
  }

  async open(descriptor: DeviceDescriptor | string): Promise<BleTransport> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    const device = devices.get(id) ?? (await this.bluetooth.getDevices?.())?.find((candidate) => candidate.id === id);
    if (device === undefined) throw new TransportError('NOT_FOUND', { message: 'This page has no permission for that key; request it again.' });
    return BleTransport.open(descriptorOf(device), await connectWebBluetoothGatt(device, this.options.mtu), this.options);
  }
}
