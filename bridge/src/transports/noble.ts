/**
 * Real Bluetooth LE keys through @stoprocent/noble, Node only. noble is an optional dependency with native parts,
 * loaded on first use, so that the bridge works without it; when it cannot load, or the adapter is missing, off
 * or forbidden, calls fail with NOT_FOUND or PERMISSION_DENIED and say what to do. Keys are found by the HKP
 * service UUID they advertise (docs/protocol.md §2.2) and named ble://<noble peripheral id>.
 */
import { BLE_DEFAULT_ATT_MTU, BLE_MAX_ATT_MTU, FIDO_GATT, HKP_GATT, decodeUint16 } from '@hkey/protocol';
import { type BleChannelOptions, type BleService, type GattPort, assertServiceRevision } from '../ble-channel.js';
import { selectFido2 } from '../ble-fido.js';
import { BleTransport } from '../ble-transport.js';
import { BridgeError, TransportError } from '../errors.js';
import type { GattConnection } from '../gatt-connection.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';
import { type FidoCharacteristics, type HkpCharacteristics, describeDisconnect, nobleGattConnection } from './noble-gatt.js';

/** The part of @stoprocent/noble's default export this kind uses: the real module satisfies it, tests pass fakes. */
export interface NobleLike {
  /** 'poweredOn' when usable; 'poweredOff', 'unauthorized', 'unsupported', 'unknown' or 'resetting' otherwise. */
  readonly state: string;
  on(event: 'stateChange', listener: (state: string) => void): unknown;
  on(event: 'discover', listener: (peripheral: NoblePeripheralLike) => void): unknown;
  removeListener(event: 'stateChange', listener: (state: string) => void): unknown;
  removeListener(event: 'discover', listener: (peripheral: NoblePeripheralLike) => void): unknown;
  /** UUIDs in noble's spelling: lowercase, no dashes. */
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

export interface NoblePeripheralLike {
  readonly id: string;
  readonly address: string;
  /** 'connected' while connected. */
  readonly state: string;
  /** The ATT_MTU once noble has exchanged it after connecting; null before. */
  readonly mtu: number | null;
  readonly advertisement: { readonly localName?: string };
  /** `mtu`: the ATT_MTU to ask for; noble's Linux (hci-socket) binding takes it, the others negotiate by themselves. */
  connectAsync(options?: { readonly mtu?: number }): Promise<void>;
  cancelConnect(): void;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(serviceUuids: string[], characteristicUuids: string[]): Promise<{ readonly characteristics: readonly NobleCharacteristicLike[] }>;
  /** `reason` is an HCI status on Linux, text elsewhere and when the adapter goes off ('cleanup'). */
  on(event: 'disconnect', listener: (reason: number | string) => void): unknown;
  on(event: 'mtu', listener: (mtu: number) => void): unknown;
  removeListener(event: 'disconnect', listener: (reason: number | string) => void): unknown;
  removeListener(event: 'mtu', listener: (mtu: number) => void): unknown;
}

export interface NobleCharacteristicLike {
  readonly uuid: string;
  readAsync(): Promise<Uint8Array>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  unsubscribeAsync(): Promise<void>;
  /** Values read and notified; `isNotification` tells them apart. */
  on(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
  removeListener(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
}

export interface NobleTransportOptions extends BleChannelOptions {
  /** Supplies noble; default: the optional package @stoprocent/noble. Tests pass fakes; apps may pass noble.withBindings(…). */
  readonly loadNoble?: () => Promise<NobleLike>;
  /** How long list() scans. Default 3 s. */
  readonly scanMs?: number;
  /** How long to wait for the adapter to be powered on. Default 3 s. */
  readonly adapterTimeoutMs?: number;
  /** How long open() may take to find and connect to a key. Default 10 s. */
  readonly openTimeoutMs?: number;
  /** listen() reports a key removed when it has not advertised for this long (keys do not advertise while connected). Default 10 s. */
  readonly lostAfterMs?: number;
}

/** noble spells UUIDs in lowercase without dashes, and those of the Bluetooth base UUID by their 16 bits ('fffd'). */
export function nobleUuid(uuid: string): string {
  const short = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/.exec(uuid.toLowerCase());
  return short?.[1] ?? uuid.replaceAll('-', '').toLowerCase();
}
const SERVICE = nobleUuid(HKP_GATT.SERVICE_UUID);
const CONTROL_POINT = nobleUuid(HKP_GATT.CONTROL_POINT_UUID);
const STATUS = nobleUuid(HKP_GATT.STATUS_UUID);
const CONTROL_POINT_LENGTH = nobleUuid(HKP_GATT.CONTROL_POINT_LENGTH_UUID);
const SERVICE_REVISION = nobleUuid(HKP_GATT.SERVICE_REVISION_UUID);
const FIDO_SERVICE = nobleUuid(FIDO_GATT.SERVICE_UUID);
const FIDO_UUIDS = [FIDO_GATT.CONTROL_POINT_UUID, FIDO_GATT.STATUS_UUID, FIDO_GATT.CONTROL_POINT_LENGTH_UUID, FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID].map(nobleUuid);

const ID_PREFIX = 'ble://';

/** The real module, typed by its own definitions: a mismatch with NobleLike fails to compile. */
async function importNoble(): Promise<NobleLike> {
  return (await import('@stoprocent/noble')).default;
}

function nobleDescriptor(peripheral: NoblePeripheralLike): DeviceDescriptor {
  return { id: `${ID_PREFIX}${peripheral.id}`, transport: 'ble', name: peripheral.advertisement.localName || 'Hideez Key (Bluetooth)', path: peripheral.address };
}

/** Why an adapter in this state cannot be used, or undefined while it may still come up. */
function adapterError(state: string): TransportError | undefined {
  switch (state) {
    case 'unauthorized':
      return new TransportError('PERMISSION_DENIED', { message: 'This program may not use Bluetooth; allow it (docs/hardware.md, Bluetooth permissions) and try again.' });
    case 'unsupported':
      return new TransportError('NOT_FOUND', { message: 'This computer has no Bluetooth LE adapter noble can use; plug one in (on Linux, choose it with NOBLE_HCI_DEVICE_ID) and try again.' });
    case 'poweredOff':
      return new TransportError('NOT_FOUND', { message: 'Bluetooth is turned off; turn it on and try again.' });
    default:
      return undefined;
  }
}

/**
 * One service of a connected key as a GattPort; notifications are on already. The HKP port owns the connection;
 * the FIDO port writes with response (fidoControlPoint has no other write), drops a write the key refuses while
 * connected (§2.3) and leaves disconnecting to the HKP port.
 */
function noblePort(peripheral: NoblePeripheralLike, { controlPoint, status, controlPointLength: length }: Omit<HkpCharacteristics, 'serviceRevision'>, service: BleService): GattPort {
  const buffer = (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return {
    get mtu() {
      return peripheral.mtu ?? BLE_DEFAULT_ATT_MTU;
    },
    async controlPointLength() {
      const value = decodeUint16(await length.readAsync());
      if (value === undefined) {
        const message = service === 'hkp' ? 'The control point length is not a 16-bit value, so the device is not an HKP/1 key.' : "The key's fidoControlPointLength is not a 16-bit value, so its FIDO service cannot be used.";
        throw new TransportError('PROTOCOL_VIOLATION', { message });
      }
      return value;
    },
    write:
      service === 'hkp'
        ? (value, withResponse = false) => controlPoint.writeAsync(buffer(value), !withResponse)
        : async (value) => {
            try {
              await controlPoint.writeAsync(buffer(value), false);
            } catch (error) {
              if (peripheral.state === 'connected') return;
              throw error;
            }
          },
    onNotify(listener) {
      const onData = (data: Uint8Array, isNotification: boolean): void => {
        if (isNotification) listener(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      };
      status.on('data', onData);
      return () => status.removeListener('data', onData);
    },
    onDisconnect(listener) {
      if (peripheral.state !== 'connected') {
        queueMicrotask(() => listener('the key is not connected'));
        return noop;
      }
      const onGone = (reason: number | string): void => listener(describeDisconnect(reason));
      peripheral.on('disconnect', onGone);
      return () => peripheral.removeListener('disconnect', onGone);
    },
    onMtuChange(listener) {
      peripheral.on('mtu', listener);
      return () => peripheral.removeListener('mtu', listener);
    },
    async close() {
      if (peripheral.state !== 'connected') return;
      // Best effort: the disconnect below ends the subscription anyway.
      await status.unsubscribeAsync().catch(noop);
      if (service === 'hkp') await peripheral.disconnectAsync();
    },
  };
}

export class NobleTransportKind implements TransportKind {
  private noble: Promise<NobleLike> | undefined;
  /** Keys seen advertising, by noble id. noble forgets its peripherals when the adapter goes off, and so does this. */
  private readonly known = new Map<string, NoblePeripheralLike>();
  /** Keys connected through this kind: they do not advertise, yet they are there. */
  private readonly connected = new Set<string>();
  private readonly scanListeners = new Set<(peripheral: NoblePeripheralLike) => void>();

  constructor(private readonly options: NobleTransportOptions = {}) {}

  /** The keys that advertise the HKP service within scanMs, and those connected through this kind. */
  async list(): Promise<DeviceDescriptor[]> {
    const found = new Map<string, NoblePeripheralLike>();
    for (const id of this.connected) {
      const peripheral = this.known.get(id);
      if (peripheral !== undefined) found.set(id, peripheral);
    }
    const stop = await this.scan((peripheral) => found.set(peripheral.id, peripheral));
    await new Promise((resolve) => setTimeout(resolve, this.options.scanMs ?? 3000));
    stop();
    return [...found.values()].map(nobleDescriptor);
  }

  /** Scans until unsubscribed: a key is added when it first advertises and removed after lostAfterMs of silence. */
  listen(observer: DeviceObserver): Subscription {
    const lostAfterMs = this.options.lostAfterMs ?? 10_000;
    const seen = new Map<string, { descriptor: DeviceDescriptor; lastSeen: number }>();
    let stopped = false;
    const scanning = this.scan((peripheral) => {
      if (stopped) return;
      const known = seen.get(peripheral.id);
      if (known !== undefined) {
        known.lastSeen = Date.now();
        return;
      }
      const descriptor = nobleDescriptor(peripheral);
      seen.set(peripheral.id, { descriptor, lastSeen: Date.now() });
      observer.next({ type: 'add', descriptor });
    });
    scanning.catch((error: unknown) => {
      if (!stopped) observer.error?.(error);
    });
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [id, entry] of seen) {
        if (this.connected.has(id)) entry.lastSeen = now;
        else if (now - entry.lastSeen >= lostAfterMs) {
          seen.delete(id);
          observer.next({ type: 'remove', descriptor: entry.descriptor });
        }
      }
    }, Math.min(1000, lostAfterMs / 2));
    return {
      unsubscribe: () => {
        stopped = true;
        clearInterval(sweep);
        void scanning.then((stop) => stop(), noop);
      },
    };
  }

  /** Opens ble://<id>, or a descriptor from list(); a key known from an earlier scan or connection is connected again. */
  async open(descriptor: DeviceDescriptor | string): Promise<BleTransport> {
    const { peripheral, characteristics, fido } = await this.reach(descriptor);
    let fidoPrepared = false;
    try {
      assertServiceRevision(await characteristics.serviceRevision.readAsync());
      await characteristics.status.subscribeAsync();
      if (fido !== undefined) fidoPrepared = await prepareFido(fido);
    } catch (error) {
      await peripheral.disconnectAsync().catch(noop);
      if (error instanceof BridgeError) throw error;
      // A key refuses these to a host it is not bonded with (§2.2).
      throw gone(peripheral, error) ?? new TransportError('PERMISSION_DENIED', { cause: error, message: 'The key refused this computer access to its services; pair it with this computer (docs/hardware.md) and try again.' });
    }
    const fidoPort = fido !== undefined && fidoPrepared ? noblePort(peripheral, fido, 'fido') : undefined;
    return BleTransport.open(nobleDescriptor(peripheral), noblePort(peripheral, characteristics, 'hkp'), this.options, fidoPort);
  }

  /**
   * A key's GATT operations below the BLE framing, as the same kind of id open() takes: what the bridge's "gatt"
   * link hands to a page's Web Bluetooth shim, which reads the revision and subscribes itself.
   */
  async openGattConnection(descriptor: DeviceDescriptor | string): Promise<GattConnection> {
    const { peripheral, characteristics } = await this.reach(descriptor);
    return nobleGattConnection(peripheral, characteristics);
  }

  /** Finds and connects the key, and the characteristics of its HKP service and, when it offers one, its FIDO service. */
  private async reach(descriptor: DeviceDescriptor | string): Promise<{ peripheral: NoblePeripheralLike; characteristics: HkpCharacteristics; fido: FidoCharacteristics | undefined }> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    if (!id.startsWith(ID_PREFIX) || id.length === ID_PREFIX.length) {
      throw new TransportError('NOT_FOUND', { message: 'A Bluetooth key id looks like ble://<peripheral id>; list the keys to find it.' });
    }
    const deadline = Date.now() + (this.options.openTimeoutMs ?? 10_000);
    await this.ready();
    const peripheral = this.known.get(id.slice(ID_PREFIX.length)) ?? (await this.find(id.slice(ID_PREFIX.length), deadline));
    if (peripheral.state !== 'connected') await this.connectInTime(peripheral, deadline);
    let characteristics: HkpCharacteristics;
    let fido: FidoCharacteristics | undefined;
    try {
      characteristics = await discover(peripheral);
      fido = await discoverFido(peripheral);
    } catch (error) {
      await peripheral.disconnectAsync().catch(noop);
      throw error;
    }
    this.connected.add(peripheral.id);
    const forget = (): void => {
      this.connected.delete(peripheral.id);
      peripheral.removeListener('disconnect', forget);
    };
    peripheral.on('disconnect', forget);
    return { peripheral, characteristics, fido };
  }

  /** noble, loaded once; a failed load is tried again next time, since the user may install it meanwhile. */
  private load(): Promise<NobleLike> {
    const loading = (this.noble ??= (async () => {
      let noble: NobleLike;
      try {
        noble = await (this.options.loadNoble ?? importNoble)();
      } catch (error) {
        throw new TransportError('NOT_FOUND', {
          cause: error,
          message: 'Bluetooth support could not be loaded: the optional package @stoprocent/noble is missing or has no build for this system; install it (`npm install @stoprocent/noble`) and try again.',
        });
      }
      noble.on('stateChange', (state) => {
        if (state !== 'poweredOn') this.known.clear();
      });
      return noble;
    })());
    loading.catch(() => {
      if (this.noble === loading) this.noble = undefined;
    });
    return loading;
  }

  /** noble with its adapter powered on, waiting up to adapterTimeoutMs for it to come up. */
  private async ready(): Promise<NobleLike> {
    const noble = await this.load();
    if (noble.state === 'poweredOn') return noble;
    const immediate = adapterError(noble.state);
    if (immediate !== undefined && noble.state !== 'poweredOff') throw immediate;
    await new Promise<void>((resolve, reject) => {
      let last = noble.state;
      const finish = (error?: TransportError): void => {
        clearTimeout(timer);
        noble.removeListener('stateChange', onState);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onState = (state: string): void => {
        last = state;
        if (state === 'poweredOn') return finish();
        // Off may be on its way up; the other states are final.
        const error = adapterError(state);
        if (error !== undefined && state !== 'poweredOff') finish(error);
      };
      const timer = setTimeout(
        () => finish(adapterError(last) ?? new TransportError('NOT_FOUND', { message: 'The Bluetooth adapter did not get ready in time; check that Bluetooth works and try again.' })),
        this.options.adapterTimeoutMs ?? 3000,
      );
      noble.on('stateChange', onState);
    });
    return noble;
  }

  /** Scans for HKP keys on behalf of `listener`, sharing one scan between callers; resolves with the function that stops its share. */
  private async scan(listener: (peripheral: NoblePeripheralLike) => void): Promise<() => void> {
    const noble = await this.ready();
    const release = (): void => {
      if (!this.scanListeners.delete(listener) || this.scanListeners.size > 0) return;
      noble.removeListener('discover', this.onDiscover);
      void noble.stopScanningAsync().catch(noop);
    };
    this.scanListeners.add(listener);
    if (this.scanListeners.size > 1) return release;
    noble.on('discover', this.onDiscover);
    try {
      // Duplicates on: listen() tells present keys from gone ones by their repeated advertisements.
      await noble.startScanningAsync([SERVICE], true);
    } catch (error) {
      release();
      throw adapterError(noble.state) ?? new TransportError('NOT_FOUND', { cause: error, message: 'Bluetooth scanning failed; check that Bluetooth works and try again.' });
    }
    return release;
  }

  private readonly onDiscover = (peripheral: NoblePeripheralLike): void => {
    this.known.set(peripheral.id, peripheral);
    for (const listener of this.scanListeners) listener(peripheral);
  };

  /** Scans until the key with noble id `id` advertises, or the deadline passes (NOT_FOUND). */
  private async find(id: string, deadline: number): Promise<NoblePeripheralLike> {
    let found: (peripheral: NoblePeripheralLike) => void = noop;
    const scanning = this.scan((peripheral) => {
      if (peripheral.id === id) found(peripheral);
    });
    try {
      return await new Promise<NoblePeripheralLike>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new TransportError('NOT_FOUND', { message: 'No Bluetooth key with this id is in range; wake it (press its button), bring it closer and try again.' })),
          Math.max(0, deadline - Date.now()),
        );
        found = (peripheral) => {
          clearTimeout(timer);
          resolve(peripheral);
        };
        scanning.catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
      });
    } finally {
      void scanning.then((stop) => stop(), noop);
    }
  }

  private async connectInTime(peripheral: NoblePeripheralLike, deadline: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        // noble waits for a connection forever unless told to stop.
        peripheral.cancelConnect();
        reject(new TransportError('NOT_FOUND', { message: 'The Bluetooth key did not accept the connection in time; wake it, bring it closer and try again.' }));
      }, Math.max(0, deadline - Date.now()));
    });
    try {
      // The largest ATT_MTU, as Chrome asks: Web Bluetooth pages cannot see the MTU and cut fragments as long as the
      // control point length allows (docs/bridge-protocol.md §3.5), which only fits when the MTU is that large.
      await Promise.race([peripheral.connectAsync({ mtu: BLE_MAX_ATT_MTU }), timeout]);
    } catch (error) {
      if (error instanceof BridgeError) throw error;
      throw new TransportError('NOT_FOUND', { cause: error, message: 'Could not connect to the Bluetooth key; wake it, bring it closer and try again.' });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** DISCONNECTED when `error` came from the key going away, else undefined. */
function gone(peripheral: NoblePeripheralLike, error: unknown): TransportError | undefined {
  return peripheral.state === 'connected' ? undefined : new TransportError('DISCONNECTED', { cause: error, message: 'The Bluetooth key disconnected while connecting; wake it and try again.' });
}

/** The four characteristics of the HKP service (§2.2). */
async function discover(peripheral: NoblePeripheralLike): Promise<HkpCharacteristics> {
  let characteristics: readonly NobleCharacteristicLike[];
  try {
    ({ characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([SERVICE], [CONTROL_POINT, STATUS, CONTROL_POINT_LENGTH, SERVICE_REVISION]));
  } catch (error) {
    // noble rejects with a plain string when the service is missing.
    throw gone(peripheral, error) ?? new TransportError('PROTOCOL_VIOLATION', { cause: error, message: 'The device does not offer the HKP service, so it is not an HKP/1 key.' });
  }
  const [controlPoint, status, controlPointLength, serviceRevision] = [CONTROL_POINT, STATUS, CONTROL_POINT_LENGTH, SERVICE_REVISION].map((uuid) => characteristics.find((characteristic) => characteristic.uuid === uuid));
  if (controlPoint === undefined || status === undefined || controlPointLength === undefined || serviceRevision === undefined) {
    throw new TransportError('PROTOCOL_VIOLATION', { message: 'The device lacks characteristics of the HKP service, so it is not an HKP/1 key.' });
  }
  return { controlPoint, status, controlPointLength, serviceRevision };
}

/** The FIDO service's characteristics (§2.12), or undefined when the key offers no FIDO service. */
async function discoverFido(peripheral: NoblePeripheralLike): Promise<FidoCharacteristics | undefined> {
  let characteristics: readonly NobleCharacteristicLike[];
  try {
    ({ characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([FIDO_SERVICE], FIDO_UUIDS));
  } catch (error) {
    // noble rejects with a plain string when the service is missing: an HKP key without the security-key mode.
    const lost = gone(peripheral, error);
    if (lost !== undefined) throw lost;
    return undefined;
  }
  const [controlPoint, status, controlPointLength, revisionBitfield] = FIDO_UUIDS.map((uuid) => characteristics.find((characteristic) => characteristic.uuid === uuid));
  if (controlPoint === undefined || status === undefined || controlPointLength === undefined || revisionBitfield === undefined) {
    throw new TransportError('PROTOCOL_VIOLATION', { message: 'The key lacks characteristics of the FIDO service (CTAP 2.1 §11.4.1), so it cannot be used as a security key.' });
  }
  return { controlPoint, status, controlPointLength, revisionBitfield };
}

/** Selects FIDO2 and subscribes fidoStatus (§2.12); false when the key offers no FIDO2. */
async function prepareFido(fido: FidoCharacteristics): Promise<boolean> {
  const selected = await selectFido2(new Uint8Array(await fido.revisionBitfield.readAsync()), (value) => fido.revisionBitfield.writeAsync(Buffer.from(value), false));
  if (selected) await fido.status.subscribeAsync();
  return selected;
}

function noop(): void {}
