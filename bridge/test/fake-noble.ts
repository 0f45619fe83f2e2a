/**
 * A stand-in for @stoprocent/noble's default export, with the observable behaviour of its hci-socket bindings
 * (checked against noble 2.8's lib/noble.js, peripheral.js and characteristic.js), wired to the simulator's GATT
 * server (BleEndpoint) so that tests exercise real HKP traffic:
 * - `state` starts 'unknown' and the adapter's state arrives with 'stateChange' in a later turn; leaving
 *   'poweredOn' disconnects every peripheral with reason 'cleanup' and forgets them all;
 * - startScanningAsync(uuids, allowDuplicates) fails unless powered on and filters advertisements by service
 *   UUID (lowercase, no dashes); 'discover' repeats only with allowDuplicates;
 * - connecting exchanges the MTU (what connectAsync's `mtu` option asks, else 256, as the hci-socket binding does)
 *   before any other GATT operation and then emits 'mtu';
 *   connectAsync on a peripheral noble has forgotten, or one out of range, never settles (cancelConnect ends it);
 * - discoverSomeServicesAndCharacteristicsAsync rejects with a plain string when a service is missing; UUIDs of the
 *   Bluetooth base (the FIDO service, 0xFFFD) are spelled by their 16 bits ('fffd'), as noble's gatt does;
 * - the key's GATT server offers the HKP service and, like the simulator's, the FIDO service of CTAP 2.1 §11.4
 *   (fidoControlPoint takes Write Requests only, fidoServiceRevisionBitfield reads and takes writes, refusing a
 *   revision it lacks with ATT error 0x13 and a value that is not one byte with 0x0d);
 * - reads emit 'data' with isNotification false, notifications with true; writes are queued and resolve in order
 *   in later turns; a write without response the key refuses is dropped, one in flight when the link drops
 *   rejects, and one made after the link dropped never settles (noble warns about an unknown peripheral);
 * - 'disconnect' carries an HCI status: 0x13 when the key ends the link, 0x08 when it goes out of range, 0x16
 *   after disconnectAsync.
 */
import { EventEmitter } from 'node:events';
import { FIDO_GATT, HKP_GATT } from '@hkey/protocol';
import type { BleConnection, BleEndpoint, GattCharacteristic } from '@hkey/firmware-sim';
import type { NobleCharacteristicLike, NobleLike, NoblePeripheralLike } from '@hkey/bridge';

type AdapterState = 'unknown' | 'poweredOn' | 'poweredOff' | 'unauthorized' | 'unsupported' | 'resetting';

const nobleUuid = (uuid: string): string => uuid.replaceAll('-', '').toLowerCase();
const HKP_UUIDS = {
  service: nobleUuid(HKP_GATT.SERVICE_UUID),
  controlPoint: nobleUuid(HKP_GATT.CONTROL_POINT_UUID),
  status: nobleUuid(HKP_GATT.STATUS_UUID),
  controlPointLength: nobleUuid(HKP_GATT.CONTROL_POINT_LENGTH_UUID),
  serviceRevision: nobleUuid(HKP_GATT.SERVICE_REVISION_UUID),
};
/** 0xFFFD, as noble spells a UUID of the Bluetooth base. */
const FIDO_SERVICE = 'fffd';
export const FIDO_UUIDS = {
  controlPoint: nobleUuid(FIDO_GATT.CONTROL_POINT_UUID),
  status: nobleUuid(FIDO_GATT.STATUS_UUID),
  controlPointLength: nobleUuid(FIDO_GATT.CONTROL_POINT_LENGTH_UUID),
  revisionBitfield: nobleUuid(FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID),
};
const HKP_CHARACTERISTICS = [HKP_UUIDS.controlPoint, HKP_UUIDS.status, HKP_UUIDS.controlPointLength, HKP_UUIDS.serviceRevision];
const FIDO_CHARACTERISTICS = Object.values(FIDO_UUIDS);
/** What a read of each readable characteristic asks the key's GATT server. */
const READABLE = new Map<string, GattCharacteristic>([
  [HKP_UUIDS.controlPointLength, 'control-point-length'],
  [HKP_UUIDS.serviceRevision, 'service-revision'],
  [FIDO_UUIDS.controlPointLength, 'fido-control-point-length'],
  [FIDO_UUIDS.revisionBitfield, 'fido-service-revision-bitfield'],
]);

export interface RadioDevice {
  /** noble's peripheral id (the address without colons on Linux). */
  readonly id: string;
  readonly address: string;
  readonly localName: string;
  /** Advertised service UUIDs, in noble's spelling. Default: the HKP service. */
  readonly serviceUuids?: readonly string[];
  /** The key's GATT server; absent for a device that advertises but serves no HKP characteristics. */
  readonly endpoint?: BleEndpoint;
  /** Characteristics the device offers (noble spelling); default all four of the HKP service, and the FIDO service's four unless `fido` is false. */
  readonly characteristics?: readonly string[];
  /** Whether the GATT server offers the FIDO service (§2.12); default true, as the simulator's does. */
  readonly fido?: boolean;
}

/** Runs tasks one per later turn, in order: a radio delivers in order, never synchronously. */
class Pipe {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(task);
    this.tail = result.then(noop, noop);
    return result;
  }
}

export class FakeNoble extends EventEmitter implements NobleLike {
  /** Set to model a stack that asks its own ATT_MTU whatever connectAsync requests (bindings other than hci-socket). */
  stackMtu: number | undefined = undefined;
  /** Every write made on a disconnected peripheral (noble would hang on them). */
  strayWrites = 0;
  private stateValue: AdapterState = 'unknown';
  private started = false;
  private scan: { uuids: readonly string[]; allowDuplicates: boolean; timer: ReturnType<typeof setInterval> } | undefined;
  private readonly inRange = new Map<string, RadioDevice>();
  /** noble's cache of peripherals, cleared when the adapter leaves 'poweredOn'. */
  private readonly peripherals = new Map<string, FakePeripheral>();
  private readonly discovered = new Set<string>();

  constructor(
    private adapterState: AdapterState = 'poweredOn',
    private readonly advertisingIntervalMs = 20,
  ) {
    super();
    this.on('newListener', (event) => {
      if (event === 'stateChange') this.start();
    });
  }

  get state(): string {
    this.start();
    return this.stateValue;
  }

  /** Turns the adapter on or off, or into another state, as the OS reports it. */
  setAdapterState(state: AdapterState): void {
    this.adapterState = state;
    if (this.started) this.changeState(state);
  }

  /** A device comes into range and advertises. */
  bringIntoRange(device: RadioDevice): void {
    this.inRange.set(device.id, device);
  }

  /** A device goes out of range: it stops advertising, and a connection to it times out (HCI 0x08). */
  takeOutOfRange(id: string): void {
    this.inRange.delete(id);
    this.peripherals.get(id)?.linkLost(0x08);
  }

  isInRange(id: string): boolean {
    return this.inRange.has(id);
  }

  /** The peripheral object noble hands out for `id`, once it has been discovered. */
  peripheral(id: string): FakePeripheral | undefined {
    return this.peripherals.get(id);
  }

  isKnown(peripheral: FakePeripheral): boolean {
    return this.peripherals.get(peripheral.id) === peripheral;
  }

  async startScanningAsync(serviceUuids: string[] = [], allowDuplicates = false): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.stateValue !== 'poweredOn') throw new Error(`Could not start scanning, state is ${this.stateValue} (not poweredOn)`);
    if (this.scan !== undefined) clearInterval(this.scan.timer);
    this.discovered.clear();
    this.scan = { uuids: serviceUuids, allowDuplicates, timer: setInterval(() => this.advertise(), this.advertisingIntervalMs) };
    this.emit('scanStart', !allowDuplicates);
  }

  async stopScanningAsync(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.scan === undefined) return;
    clearInterval(this.scan.timer);
    this.scan = undefined;
    this.emit('scanStop');
  }

  get scanning(): boolean {
    return this.scan !== undefined;
  }

  /** Stops timers, as the end of a test. */
  shutdown(): void {
    if (this.scan !== undefined) clearInterval(this.scan.timer);
    this.scan = undefined;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    process.nextTick(() => this.changeState(this.adapterState));
  }

  private changeState(state: AdapterState): void {
    if (state === this.stateValue) return;
    if (this.stateValue === 'poweredOn') {
      if (this.scan !== undefined) clearInterval(this.scan.timer);
      this.scan = undefined;
      for (const peripheral of this.peripherals.values()) peripheral.linkLost('cleanup');
      this.peripherals.clear();
      this.discovered.clear();
    }
    this.stateValue = state;
    this.emit('stateChange', state);
  }

  private advertise(): void {
    const scan = this.scan;
    if (scan === undefined) return;
    for (const device of this.inRange.values()) {
      const uuids = device.serviceUuids ?? [HKP_UUIDS.service];
      if (scan.uuids.length > 0 && !scan.uuids.some((uuid) => uuids.includes(uuid))) continue;
      let peripheral = this.peripherals.get(device.id);
      if (peripheral === undefined) {
        peripheral = new FakePeripheral(this, device);
        this.peripherals.set(device.id, peripheral);
      }
      // A connected peripheral does not advertise.
      if (peripheral.state !== 'disconnected') continue;
      const first = !this.discovered.has(device.id);
      this.discovered.add(device.id);
      if (first || scan.allowDuplicates) this.emit('discover', peripheral);
    }
  }
}

export class FakePeripheral extends EventEmitter implements NoblePeripheralLike {
  readonly id: string;
  readonly address: string;
  readonly advertisement: { localName: string; serviceUuids: string[] };
  state: 'disconnected' | 'connecting' | 'connected' | 'disconnecting' = 'disconnected';
  mtu: number | null = null;
  /** The next writes fail with this error, as when the adapter refuses them. */
  failWrites: Error | undefined;
  /** Runs as each control point write reaches the key. */
  onWrite: (value: Uint8Array) => void = noop;
  /** Every write to the FIDO service that reached the key, in order. */
  readonly fidoWrites: { readonly uuid: string; readonly value: Uint8Array }[] = [];
  connection: BleConnection | undefined;
  private pendingConnect: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private requestedMtu: number | undefined;
  private characteristics: FakeCharacteristic[] = [];
  /** GATT operations of the current connection, in order. */
  private gatt = new Pipe();

  constructor(
    readonly noble: FakeNoble,
    private readonly device: RadioDevice,
  ) {
    super();
    this.id = device.id;
    this.address = device.address;
    this.advertisement = { localName: device.localName, serviceUuids: [...(device.serviceUuids ?? [HKP_UUIDS.service])] };
  }

  connectAsync(options: { readonly mtu?: number } = {}): Promise<void> {
    if (this.state === 'connected') return Promise.reject(new Error('Peripheral already connected'));
    this.state = 'connecting';
    this.requestedMtu = options.mtu;
    return new Promise((resolve, reject) => {
      this.pendingConnect = { resolve, reject };
      // noble cannot complete a connection to a peripheral it forgot, nor to a device out of range.
      if (!this.noble.isKnown(this) || !this.noble.isInRange(this.id) || this.noble.state !== 'poweredOn') return;
      setTimeout(() => this.connected(), 2);
    });
  }

  cancelConnect(): void {
    if (this.state !== 'connecting') return;
    this.state = 'disconnected';
    this.pendingConnect?.reject(new Error('connection canceled!'));
    this.pendingConnect = undefined;
  }

  async disconnectAsync(): Promise<void> {
    this.state = 'disconnecting';
    await new Promise((resolve) => setImmediate(resolve));
    this.linkLost(0x16);
  }

  async discoverSomeServicesAndCharacteristicsAsync(
    serviceUuids: string[],
    characteristicUuids: string[],
  ): Promise<{ services: unknown[]; characteristics: FakeCharacteristic[] }> {
    if (this.device.endpoint === undefined && this.state === 'connected') {
      await new Promise((resolve) => setImmediate(resolve));
      return Promise.reject('Could not find all requested services');
    }
    return this.operation(() => {
      const offered = this.device.fido === false ? [HKP_UUIDS.service] : [HKP_UUIDS.service, FIDO_SERVICE];
      if (serviceUuids.length === 0 || !serviceUuids.every((uuid) => offered.includes(uuid))) return Promise.reject('Could not find all requested services');
      const inServices = new Set([
        ...(serviceUuids.includes(HKP_UUIDS.service) ? HKP_CHARACTERISTICS : []),
        ...(serviceUuids.includes(FIDO_SERVICE) ? FIDO_CHARACTERISTICS : []),
      ]);
      const wanted = this.characteristics.filter(
        (characteristic) => inServices.has(characteristic.uuid) && (characteristicUuids.length === 0 || characteristicUuids.includes(characteristic.uuid)),
      );
      return { services: serviceUuids.map((uuid) => ({ uuid })), characteristics: wanted };
    });
  }

  /** The link went away: the key dropped it (0x13), it went out of range (0x08), the host ended it (0x16), the adapter went off ('cleanup'). */
  linkLost(reason: number | string): void {
    if (this.state === 'disconnected') return;
    if (this.state === 'connecting') {
      this.cancelConnect();
      return;
    }
    // The key's side of the link ends too (a no-op when the key ended it).
    this.connection?.disconnect();
    this.connection = undefined;
    this.characteristics = [];
    this.gatt = new Pipe();
    this.state = 'disconnected';
    this.mtu = null;
    this.emit('disconnect', reason);
  }

  /** One GATT round trip: rejects when the link is gone before it completes, like noble's _withDisconnectHandler. */
  operation<T>(task: (connection: BleConnection) => T | Promise<T>): Promise<T> {
    const connection = this.connection;
    if (connection === undefined) return Promise.reject(new Error('Peripheral not connected'));
    return new Promise<T>((resolve, reject) => {
      const onGone = (reason: number | string): void => reject(new Error(`Disconnected ${reason}`));
      this.once('disconnect', onGone);
      this.gatt
        .run(() => {
          if (this.connection !== connection) throw new Error(`Disconnected`);
          return task(connection);
        })
        .then(resolve, reject)
        .finally(() => this.removeListener('disconnect', onGone));
    });
  }

  private connected(): void {
    const endpoint = this.device.endpoint;
    if (this.state !== 'connecting') return;
    if (endpoint === undefined) {
      // Advertises, connects, and serves nothing of HKP.
      this.state = 'connected';
    } else {
      const connection = endpoint.connect({
        notify: (value) => this.characteristic(HKP_UUIDS.status)?.notified(value),
        notifyFido: (value) => this.characteristic(FIDO_UUIDS.status)?.notified(value),
        mtuChanged: (mtu) => {
          this.mtu = mtu;
          this.emit('mtu', mtu);
        },
        disconnected: () => this.linkLost(0x13),
      });
      this.connection = connection;
      this.state = 'connected';
      const offered = this.device.characteristics ?? (this.device.fido === false ? HKP_CHARACTERISTICS : [...HKP_CHARACTERISTICS, ...FIDO_CHARACTERISTICS]);
      this.characteristics = offered.map((uuid) => new FakeCharacteristic(this, uuid));
      // Queued first, so every later GATT operation sees the exchanged MTU.
      void this.operation((link) => {
        this.mtu = link.exchangeMtu(this.noble.stackMtu ?? this.requestedMtu ?? 256);
        this.emit('mtu', this.mtu);
      }).catch(noop);
    }
    this.pendingConnect?.resolve();
    this.pendingConnect = undefined;
  }

  private characteristic(uuid: string): FakeCharacteristic | undefined {
    return this.characteristics.find((characteristic) => characteristic.uuid === uuid);
  }
}

export class FakeCharacteristic extends EventEmitter implements NobleCharacteristicLike {
  private subscribed = false;
  private readonly deliveries = new Pipe();

  constructor(
    private readonly peripheral: FakePeripheral,
    readonly uuid: string,
  ) {
    super();
  }

  readAsync(): Promise<Buffer> {
    return this.peripheral.operation((connection) => {
      const readable = READABLE.get(this.uuid);
      if (readable === undefined) throw new Error('ATT error 0x02 (read not permitted)');
      const value = Buffer.from(connection.read(readable));
      this.emit('data', value, false);
      return value;
    });
  }

  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void> {
    if (!(data instanceof Uint8Array)) return Promise.reject(new Error('data must be a Buffer or Uint8Array or Uint16Array or Uint32Array'));
    if (this.peripheral.state !== 'connected') {
      this.peripheral.noble.strayWrites += 1;
      return new Promise(noop);
    }
    const value = Uint8Array.from(data);
    return this.peripheral.operation((connection) => {
      const failure = this.peripheral.failWrites;
      if (failure !== undefined) throw failure;
      if (this.uuid === FIDO_UUIDS.controlPoint || this.uuid === FIDO_UUIDS.revisionBitfield) return this.writeFido(connection, value, withoutResponse);
      if (this.uuid !== HKP_UUIDS.controlPoint) throw new Error('ATT error 0x03 (write not permitted)');
      this.peripheral.onWrite(value);
      // A write command the key refuses is dropped on air; a write request gets the ATT error (§2.3).
      if (!connection.write(value) && !withoutResponse) throw new Error('ATT error 0x0d (invalid attribute value length)');
    });
  }

  /** fidoControlPoint and fidoServiceRevisionBitfield take Write Requests only (CTAP 2.1 §11.4.1). */
  private writeFido(connection: BleConnection, value: Uint8Array, withoutResponse: boolean): void {
    if (withoutResponse) throw new Error('ATT error 0x03 (write not permitted)');
    this.peripheral.fidoWrites.push({ uuid: this.uuid, value });
    if (this.uuid === FIDO_UUIDS.controlPoint) {
      if (!connection.writeFidoControlPoint(value)) throw new Error('ATT error 0x0d (invalid attribute value length)');
      return;
    }
    const outcome = connection.writeFidoServiceRevision(value);
    if (outcome === 'invalid-length') throw new Error('ATT error 0x0d (invalid attribute value length)');
    if (outcome === 'value-not-allowed') throw new Error('ATT error 0x13 (value not allowed)');
  }

  subscribeAsync(): Promise<void> {
    return this.peripheral.operation((connection) => {
      if (this.uuid !== HKP_UUIDS.status && this.uuid !== FIDO_UUIDS.status) throw new Error('ATT error 0x03 (notify not permitted)');
      this.subscribeOnKey(connection, true);
      this.subscribed = true;
    });
  }

  unsubscribeAsync(): Promise<void> {
    return this.peripheral.operation((connection) => {
      this.subscribeOnKey(connection, false);
      this.subscribed = false;
    });
  }

  /** Writes the characteristic's CCCD on the key. */
  private subscribeOnKey(connection: BleConnection, enable: boolean): void {
    if (this.uuid === FIDO_UUIDS.status) connection.subscribeFidoStatus(enable);
    else if (this.uuid === HKP_UUIDS.status) connection.subscribe(enable);
  }

  /** A value the key notified on this characteristic. */
  notified(value: Uint8Array): void {
    const copy = Buffer.from(value);
    void this.deliveries.run(() => {
      if (this.subscribed && this.peripheral.state === 'connected') this.emit('data', copy, true);
    });
  }
}

function noop(): void {}
