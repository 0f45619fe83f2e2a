/**
 * Keys through the browser's Web Bluetooth (navigator.bluetooth, or the shim of the same shape): the HKP GATT
 * service (docs/protocol.md §2.2) as a GattPort under the shared BLE channel, and the FIDO service (§2.12) under
 * a second one when the key offers it. Web Bluetooth hides the ATT_MTU;
 * Chrome's stacks negotiate the largest one, so fragments are as long as the control point length allows unless
 * `mtu` says otherwise. Browser only.
 */
import { BLE_MAX_ATT_MTU, FIDO_GATT, HKP_GATT, decodeControlPointLength } from '@hkey/protocol';
import { type BleChannelOptions, type BleService, type GattPort, assertServiceRevision } from '../ble-channel.js';
import { selectFido2 } from '../ble-fido.js';
import { BleTransport } from '../ble-transport.js';
import { TransportError } from '../errors.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

/** The parts of Web Bluetooth used here (TypeScript's DOM library has no Web Bluetooth types). */
export interface WebBluetoothCharacteristic extends EventTarget {
  readonly value?: DataView | null;
  readValue(): Promise<DataView>;
  writeValueWithResponse(value: Uint8Array): Promise<void>;
  writeValueWithoutResponse(value: Uint8Array): Promise<void>;
  startNotifications(): Promise<unknown>;
}

export interface WebBluetoothDevice extends EventTarget {
  readonly id: string;
  readonly name?: string;
  readonly gatt?: {
    readonly connected: boolean;
    connect(): Promise<{ getPrimaryService(uuid: string): Promise<{ getCharacteristic(uuid: string): Promise<WebBluetoothCharacteristic> }> }>;
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

function bytesOf(view: DataView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** Connects GATT, checks the service revision and enables notifications. */
export async function connectWebBluetoothPort(device: WebBluetoothDevice, mtu: number = BLE_MAX_ATT_MTU): Promise<GattPort> {
  return (await connectWebBluetoothPorts(device, mtu)).hkp;
}

/**
 * connectWebBluetoothPort, and the FIDO service (§2.12) when the key offers it and the page may use it (it was
 * requested among optionalServices): FIDO2 selected on fidoServiceRevisionBitfield, fidoStatus notifications on.
 */
export async function connectWebBluetoothPorts(device: WebBluetoothDevice, mtu: number = BLE_MAX_ATT_MTU): Promise<{ hkp: GattPort; fido: GattPort | undefined }> {
  const gatt = device.gatt;
  if (gatt === undefined) throw new TransportError('NOT_FOUND', { message: 'This Bluetooth device has no GATT server.' });
  let characteristics: WebBluetoothCharacteristic[];
  let server: Awaited<ReturnType<typeof gatt.connect>>;
  try {
    server = await gatt.connect();
    const service = await server.getPrimaryService(HKP_GATT.SERVICE_UUID);
    characteristics = await Promise.all(
      [HKP_GATT.CONTROL_POINT_UUID, HKP_GATT.STATUS_UUID, HKP_GATT.CONTROL_POINT_LENGTH_UUID, HKP_GATT.SERVICE_REVISION_UUID].map((uuid) => service.getCharacteristic(uuid)),
    );
  } catch (error) {
    gatt.disconnect();
    throw new TransportError('DISCONNECTED', { cause: error, message: `The browser could not connect to the key: ${error instanceof Error ? error.message : String(error)}` });
  }
  const [controlPoint, status, length, revision] = characteristics as [WebBluetoothCharacteristic, WebBluetoothCharacteristic, WebBluetoothCharacteristic, WebBluetoothCharacteristic];
  let fido: GattPort | undefined;
  try {
    assertServiceRevision(bytesOf(await revision.readValue()));
    await status.startNotifications();
    fido = await connectFido(device, server, mtu);
  } catch (error) {
    gatt.disconnect();
    throw error;
  }
  return { hkp: webBluetoothPort(device, { controlPoint, status, length }, mtu, 'hkp'), fido };
}

/** The FIDO service's port, or undefined when the key offers none, the page may not use it, or it lacks FIDO2. */
async function connectFido(device: WebBluetoothDevice, server: { getPrimaryService(uuid: string): Promise<{ getCharacteristic(uuid: string): Promise<WebBluetoothCharacteristic> }> }, mtu: number): Promise<GattPort | undefined> {
  let service;
  try {
    service = await server.getPrimaryService(FIDO_GATT.SERVICE_UUID);
  } catch {
    // NotFoundError (no FIDO service) or SecurityError (not among the page's optionalServices).
    return undefined;
  }
  const [controlPoint, status, length, bitfield] = (await Promise.all(
    [FIDO_GATT.CONTROL_POINT_UUID, FIDO_GATT.STATUS_UUID, FIDO_GATT.CONTROL_POINT_LENGTH_UUID, FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID].map((uuid) => service.getCharacteristic(uuid)),
  )) as [WebBluetoothCharacteristic, WebBluetoothCharacteristic, WebBluetoothCharacteristic, WebBluetoothCharacteristic];
  if (!(await selectFido2(bytesOf(await bitfield.readValue()), (value) => bitfield.writeValueWithResponse(value)))) return undefined;
  await status.startNotifications();
  return webBluetoothPort(device, { controlPoint, status, length }, mtu, 'fido');
}

/**
 * One service as a GattPort. The HKP port owns the connection; the FIDO port writes with response (fidoControlPoint
 * has no other write), drops a write the key refuses while connected (§2.3) and leaves disconnecting to the HKP port.
 */
function webBluetoothPort(
  device: WebBluetoothDevice,
  { controlPoint, status, length }: { controlPoint: WebBluetoothCharacteristic; status: WebBluetoothCharacteristic; length: WebBluetoothCharacteristic },
  mtu: number,
  service: BleService,
): GattPort {
  const gatt = device.gatt as NonNullable<WebBluetoothDevice['gatt']>;
  return {
    mtu,
    async controlPointLength() {
      const value = decodeControlPointLength(bytesOf(await length.readValue()));
      if (value === undefined) {
        const message = service === 'hkp' ? 'The control point length is not a 16-bit value from 20 to 512, so the device is not an HKP/1 key.' : "The key's fidoControlPointLength is not a 16-bit value from 20 to 512, so its FIDO service cannot be used.";
        throw new TransportError('PROTOCOL_VIOLATION', { message });
      }
      return value;
    },
    write:
      service === 'hkp'
        ? (value, withResponse = false) => (withResponse ? controlPoint.writeValueWithResponse(value) : controlPoint.writeValueWithoutResponse(value))
        : async (value) => {
            try {
              await controlPoint.writeValueWithResponse(value);
            } catch (error) {
              if (!gatt.connected) throw error;
            }
          },
    onNotify(listener) {
      const onChange = (event: Event): void => {
        const value = (event.target as WebBluetoothCharacteristic).value;
        if (value) listener(bytesOf(value));
      };
      status.addEventListener('characteristicvaluechanged', onChange);
      return () => status.removeEventListener('characteristicvaluechanged', onChange);
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
    close: async () => {
      if (service === 'hkp') gatt.disconnect();
    },
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
    const bluetooth = this.options.bluetooth ?? (globalThis.navigator as Navigator & { bluetooth?: WebBluetooth } | undefined)?.bluetooth;
    if (bluetooth === undefined) throw new TransportError('NOT_FOUND', { message: 'This browser has no Web Bluetooth; use Chrome or Edge, or install the hkey Web Bluetooth shim.' });
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
    const ports = await connectWebBluetoothPorts(device, this.options.mtu);
    return BleTransport.open(descriptorOf(device), ports.hkp, this.options, ports.fido);
  }
}
