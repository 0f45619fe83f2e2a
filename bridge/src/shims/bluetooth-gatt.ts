/**
 * The GATT objects of the Web Bluetooth shim: BluetoothRemoteGATTServer, Service and Characteristic with the
 * HKP service of docs/protocol.md §2.2 and, on a security key, the FIDO service of §2.12, over a GattConnection.
 * Errors carry Chrome's names and messages.
 */
import { BLE_MAX_ATT_MTU, FIDO_GATT, HKP_GATT } from '@hkey/protocol';
import { BridgeError } from '../errors.js';
import type { BleService, GattConnection, GattNotifying, GattReadable, GattWritable } from '../gatt-connection.js';
import { type BufferLike, copyBytes, defineEventHandlers, domError, reason } from './dom.js';
import type { BluetoothDeviceLike } from './bluetooth-device-like.js';

/** A UUID alias (number) or lowercase 128-bit UUID, as BluetoothUUID.getService/getCharacteristic accept them. */
export function canonicalUuid(name: string | number, kind: 'Service' | 'Characteristic'): string {
  if (typeof name === 'number' && Number.isInteger(name) && name >= 0 && name <= 0xffffffff) {
    return `${name.toString(16).padStart(8, '0')}-0000-1000-8000-00805f9b34fb`;
  }
  if (typeof name === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(name)) return name;
  throw new TypeError(
    `Failed to execute 'get${kind}' on 'BluetoothUUID': Invalid ${kind} name: '${String(name)}'. ` +
      "It must be a valid UUID alias (e.g. 0x1234), UUID (lowercase hex characters e.g. '00001234-0000-1000-8000-00805f9b34fb'), " +
      'or recognized standard name.',
  );
}

const NO_PROPERTIES = {
  broadcast: false,
  read: false,
  writeWithoutResponse: false,
  write: false,
  notify: false,
  indicate: false,
  authenticatedSignedWrites: false,
  reliableWrite: false,
  writableAuxiliaries: false,
};

type Properties = typeof NO_PROPERTIES;

/** One characteristic: its UUID, its properties, and its name on the GattConnection for each operation it allows. */
interface CharacteristicSpec {
  readonly uuid: string;
  readonly properties: Properties;
  readonly readable?: GattReadable;
  readonly writable?: GattWritable;
  readonly notifying?: GattNotifying;
}

interface ServiceSpec {
  readonly uuid: string;
  readonly service: BleService;
  readonly characteristics: readonly CharacteristicSpec[];
}

const SERVICES: readonly ServiceSpec[] = [
  {
    uuid: HKP_GATT.SERVICE_UUID,
    service: 'hkp',
    characteristics: [
      { uuid: HKP_GATT.CONTROL_POINT_UUID, properties: { ...NO_PROPERTIES, write: true, writeWithoutResponse: true }, writable: 'control-point' },
      { uuid: HKP_GATT.STATUS_UUID, properties: { ...NO_PROPERTIES, notify: true }, notifying: 'status' },
      { uuid: HKP_GATT.CONTROL_POINT_LENGTH_UUID, properties: { ...NO_PROPERTIES, read: true }, readable: 'control-point-length' },
      { uuid: HKP_GATT.SERVICE_REVISION_UUID, properties: { ...NO_PROPERTIES, read: true }, readable: 'service-revision' },
    ],
  },
  {
    uuid: FIDO_GATT.SERVICE_UUID,
    service: 'fido',
    characteristics: [
      { uuid: FIDO_GATT.CONTROL_POINT_UUID, properties: { ...NO_PROPERTIES, write: true }, writable: 'fido-control-point' },
      { uuid: FIDO_GATT.STATUS_UUID, properties: { ...NO_PROPERTIES, notify: true }, notifying: 'fido-status' },
      { uuid: FIDO_GATT.CONTROL_POINT_LENGTH_UUID, properties: { ...NO_PROPERTIES, read: true }, readable: 'fido-control-point-length' },
      {
        uuid: FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID,
        properties: { ...NO_PROPERTIES, read: true, write: true },
        readable: 'fido-service-revision-bitfield',
        writable: 'fido-service-revision-bitfield',
      },
    ],
  },
];

const DISCONNECTED = 'GATT Server is disconnected. Cannot perform GATT operations. (Re)connect first with `device.gatt.connect`.';
const MAX_VALUE = 512;

export class ShimGATTServer {
  private connection: GattConnection | undefined;
  private connecting: Promise<ShimGATTServer> | undefined;
  private readonly serviceObjects = new Map<string, ShimGATTService>();
  private stops: (() => void)[] = [];
  /** Characteristics with notifications started: the status characteristics of either service. */
  private readonly notifying = new Set<ShimGATTCharacteristic>();

  /** @internal */
  constructor(
    readonly device: BluetoothDeviceLike,
    private readonly open: () => Promise<GattConnection>,
    private readonly serviceAllowed: (uuid: string) => boolean,
  ) {}

  get connected(): boolean {
    return this.connection !== undefined;
  }

  connect(): Promise<ShimGATTServer> {
    if (this.connection !== undefined) return Promise.resolve(this);
    this.connecting ??= this.establish().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  disconnect(): void {
    const connection = this.drop();
    if (connection === undefined) return;
    void connection.close().catch(() => undefined);
  }

  async getPrimaryService(service: string | number): Promise<ShimGATTService> {
    const uuid = canonicalUuid(service, 'Service');
    const found = (await this.services(uuid))[0];
    if (found === undefined) throw domError('NotFoundError', `No Services matching UUID ${uuid} found in Device.`);
    return found;
  }

  async getPrimaryServices(service?: string | number): Promise<ShimGATTService[]> {
    const services = await this.services(service === undefined ? undefined : canonicalUuid(service, 'Service'));
    if (services.length === 0) throw domError('NotFoundError', 'No Services found in device.');
    return services;
  }

  /** @internal The live connection, for the characteristics. */
  link(): GattConnection {
    if (this.connection === undefined) throw domError('NetworkError', DISCONNECTED);
    return this.connection;
  }

  /** @internal Writes the CCCD when the characteristic's notifications change. */
  async setNotifying(characteristic: ShimGATTCharacteristic, name: GattNotifying, enable: boolean): Promise<void> {
    const link = this.link();
    if (this.notifying.has(characteristic) === enable) return;
    if (enable) this.notifying.add(characteristic);
    else this.notifying.delete(characteristic);
    await link.subscribe(enable, name).catch(gattFailure);
  }

  private async establish(): Promise<ShimGATTServer> {
    let connection: GattConnection;
    try {
      connection = await this.open();
      // Chrome's stacks negotiate the largest ATT_MTU when connecting; pages never see it.
      await connection.exchangeMtu(BLE_MAX_ATT_MTU);
    } catch (error) {
      throw domError('NetworkError', `Connection attempt failed. ${reason(error)}`, error);
    }
    this.connection = connection;
    this.stops = [
      connection.onNotify((value, name) => {
        for (const characteristic of this.notifying) characteristic.notified(value, name);
      }),
      connection.onDisconnect(() => this.drop()),
    ];
    return this;
  }

  /** Forgets the connection and tells the page; returns it when there was one. */
  private drop(): GattConnection | undefined {
    const connection = this.connection;
    if (connection === undefined) return undefined;
    this.connection = undefined;
    this.serviceObjects.clear();
    this.notifying.clear();
    for (const stop of this.stops) stop();
    this.stops = [];
    this.device.dispatchEvent(new Event('gattserverdisconnected', { bubbles: true }));
    return connection;
  }

  private async services(uuid: string | undefined): Promise<ShimGATTService[]> {
    if (this.connection === undefined) {
      throw domError('NetworkError', 'GATT Server is disconnected. Cannot retrieve services. (Re)connect first with `device.gatt.connect`.');
    }
    const offered = this.connection.services;
    const specs = SERVICES.filter((spec) => offered.includes(spec.service) && (uuid === undefined || spec.uuid === uuid));
    if (uuid !== undefined && specs.length > 0 && !this.serviceAllowed(uuid)) {
      throw domError(
        'SecurityError',
        "Origin is not allowed to access the service. Tip: Add the service UUID to 'optionalServices' in requestDevice() options.",
      );
    }
    return specs
      .filter((spec) => this.serviceAllowed(spec.uuid))
      .map((spec) => {
        let service = this.serviceObjects.get(spec.uuid);
        if (service === undefined) this.serviceObjects.set(spec.uuid, (service = new ShimGATTService(this, spec)));
        return service;
      });
  }
}

export class ShimGATTService {
  readonly uuid: string;
  readonly isPrimary = true;
  private readonly characteristics = new Map<string, ShimGATTCharacteristic>();

  /** @internal */
  constructor(
    readonly server: ShimGATTServer,
    private readonly spec: ServiceSpec,
  ) {
    this.uuid = spec.uuid;
  }

  get device(): BluetoothDeviceLike {
    return this.server.device;
  }

  async getCharacteristic(characteristic: string | number): Promise<ShimGATTCharacteristic> {
    const uuid = canonicalUuid(characteristic, 'Characteristic');
    const found = this.find(uuid)[0];
    if (found === undefined) throw domError('NotFoundError', `No Characteristics matching UUID ${uuid} found in Service with UUID ${this.uuid}.`);
    return found;
  }

  async getCharacteristics(characteristic?: string | number): Promise<ShimGATTCharacteristic[]> {
    const found = this.find(characteristic === undefined ? undefined : canonicalUuid(characteristic, 'Characteristic'));
    if (found.length === 0) throw domError('NotFoundError', `No Characteristics found in service ${this.uuid}.`);
    return found;
  }

  private find(uuid: string | undefined): ShimGATTCharacteristic[] {
    this.server.link();
    return this.spec.characteristics
      .filter((spec) => uuid === undefined || spec.uuid === uuid)
      .map((spec) => {
        let characteristic = this.characteristics.get(spec.uuid);
        if (characteristic === undefined) this.characteristics.set(spec.uuid, (characteristic = new ShimGATTCharacteristic(this, spec)));
        return characteristic;
      });
  }
}

export class ShimGATTCharacteristic extends EventTarget {
  declare oncharacteristicvaluechanged: ((event: Event) => void) | null;
  readonly uuid: string;
  readonly properties: Properties;
  value: DataView | null = null;

  /** @internal */
  constructor(
    readonly service: ShimGATTService,
    private readonly spec: CharacteristicSpec,
  ) {
    super();
    this.uuid = spec.uuid;
    this.properties = Object.freeze({ ...spec.properties });
  }

  async readValue(): Promise<DataView> {
    const link = this.service.server.link();
    if (this.spec.readable === undefined) throw domError('NotSupportedError', 'GATT operation not permitted.');
    const value = new DataView((await link.read(this.spec.readable).catch(gattFailure)).slice().buffer);
    this.value = value;
    return value;
  }

  /** Deprecated in the spec; the control point takes it as a write with response. */
  writeValue(value: BufferLike): Promise<void> {
    return this.write(value, true);
  }

  writeValueWithResponse(value: BufferLike): Promise<void> {
    return this.write(value, true);
  }

  writeValueWithoutResponse(value: BufferLike): Promise<void> {
    return this.write(value, false);
  }

  async startNotifications(): Promise<ShimGATTCharacteristic> {
    if (this.spec.notifying === undefined) throw domError('NotSupportedError', 'GATT operation not permitted.');
    await this.service.server.setNotifying(this, this.spec.notifying, true);
    return this;
  }

  async stopNotifications(): Promise<ShimGATTCharacteristic> {
    if (this.spec.notifying !== undefined) await this.service.server.setNotifying(this, this.spec.notifying, false);
    return this;
  }

  /** @internal */
  notified(value: Uint8Array, name: GattNotifying): void {
    if (name !== this.spec.notifying) return;
    this.value = new DataView(value.slice().buffer);
    this.dispatchEvent(new Event('characteristicvaluechanged', { bubbles: true }));
  }

  private async write(data: BufferLike, withResponse: boolean): Promise<void> {
    const bytes = copyBytes(data);
    const link = this.service.server.link();
    const writable = this.spec.writable;
    if (writable === undefined || !(withResponse ? this.properties.write : this.properties.writeWithoutResponse))
      throw domError('NotSupportedError', 'GATT operation not permitted.');
    if (bytes.length > MAX_VALUE) throw domError('InvalidModificationError', `Value can't exceed ${MAX_VALUE} bytes.`);
    await link.write(bytes, withResponse, writable).catch(gattFailure);
  }
}
defineEventHandlers(ShimGATTCharacteristic.prototype, ['characteristicvaluechanged']);

/** A failed GATT operation as Chrome reports it. */
function gattFailure(error: unknown): never {
  if (error instanceof BridgeError && error.code === 'GATT_INVALID_LENGTH')
    throw domError('InvalidModificationError', 'GATT Error: invalid attribute length.', error);
  if (error instanceof BridgeError && error.code === 'DISCONNECTED') throw domError('NetworkError', DISCONNECTED, error);
  throw domError('NetworkError', `GATT operation failed for unknown reason. ${reason(error)}`, error);
}
