/**
 * Real Bluetooth LE keys through @stoprocent/noble, Node only. noble is an optional dependency with native parts,
 * loaded on first use, so that the bridge works without it; when it cannot load, or the adapter is missing, off
 * or forbidden, calls fail with NOT_FOUND or PERMISSION_DENIED and say what to do. Keys are found by the HKP
 * service UUID they advertise (docs/protocol.md §2.2) and named ble://<noble peripheral id>.
 */
import { BLE_MAX_ATT_MTU, FIDO_GATT, HKP_GATT } from '@hkey/protocol';
import type { BleChannelOptions } from '../ble-channel.js';
import { BleTransport } from '../ble-transport.js';
import { BridgeError, TransportError } from '../errors.js';
import type { GattConnection } from '../gatt-connection.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';
import { type NobleCharacteristicLike, type NobleCharacteristics, type NoblePeripheralLike, nobleGattConnection } from './noble-gatt.js';

export type { NobleCharacteristicLike, NoblePeripheralLike };

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
const FIDO_SERVICE = nobleUuid(FIDO_GATT.SERVICE_UUID);
/** Each service's characteristics by name, with their UUIDs in noble's spelling. */
const HKP_CHARACTERISTICS = namedUuids({
  'control-point': HKP_GATT.CONTROL_POINT_UUID,
  status: HKP_GATT.STATUS_UUID,
  'control-point-length': HKP_GATT.CONTROL_POINT_LENGTH_UUID,
  'service-revision': HKP_GATT.SERVICE_REVISION_UUID,
});
const FIDO_CHARACTERISTICS = namedUuids({
  'fido-control-point': FIDO_GATT.CONTROL_POINT_UUID,
  'fido-status': FIDO_GATT.STATUS_UUID,
  'fido-control-point-length': FIDO_GATT.CONTROL_POINT_LENGTH_UUID,
  'fido-service-revision-bitfield': FIDO_GATT.SERVICE_REVISION_BITFIELD_UUID,
});

function namedUuids(uuids: { readonly [name in keyof NobleCharacteristics]?: string }): readonly (readonly [keyof NobleCharacteristics, string])[] {
  return Object.entries(uuids).map(([name, uuid]) => [name as keyof NobleCharacteristics, nobleUuid(uuid as string)]);
}

const ID_PREFIX = 'ble://';

/** The real module, typed by its own definitions: a mismatch with NobleLike fails to compile. */
async function importNoble(): Promise<NobleLike> {
  return (await import('@stoprocent/noble')).default;
}

function nobleDescriptor(peripheral: NoblePeripheralLike): DeviceDescriptor {
  return {
    id: `${ID_PREFIX}${peripheral.id}`,
    transport: 'ble',
    name: peripheral.advertisement.localName || 'Hideez Key (Bluetooth)',
    path: peripheral.address,
  };
}

/** Why an adapter in this state cannot be used, or undefined while it may still come up. */
function adapterError(state: string): TransportError | undefined {
  switch (state) {
    case 'unauthorized':
      return new TransportError('PERMISSION_DENIED', {
        message: 'This program may not use Bluetooth; allow it (docs/hardware.md, Bluetooth permissions) and try again.',
      });
    case 'unsupported':
      return new TransportError('NOT_FOUND', {
        message: 'This computer has no Bluetooth LE adapter noble can use; plug one in (on Linux, choose it with NOBLE_HCI_DEVICE_ID) and try again.',
      });
    case 'poweredOff':
      return new TransportError('NOT_FOUND', { message: 'Bluetooth is turned off; turn it on and try again.' });
    default:
      return undefined;
  }
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
    const sweep = setInterval(
      () => {
        const now = Date.now();
        for (const [id, entry] of seen) {
          if (this.connected.has(id)) entry.lastSeen = now;
          else if (now - entry.lastSeen >= lostAfterMs) {
            seen.delete(id);
            observer.next({ type: 'remove', descriptor: entry.descriptor });
          }
        }
      },
      Math.min(1000, lostAfterMs / 2),
    );
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
    const { peripheral, connection } = await this.reach(descriptor);
    return BleTransport.open(nobleDescriptor(peripheral), connection, this.options);
  }

  /**
   * A key's GATT operations below the BLE framing, as the same kind of id open() takes: what the bridge's "gatt"
   * link hands to a page's Web Bluetooth shim, which reads the revision and subscribes itself.
   */
  async openGattConnection(descriptor: DeviceDescriptor | string): Promise<GattConnection> {
    return (await this.reach(descriptor)).connection;
  }

  /** Finds and connects the key and discovers its HKP service and, when it offers one, its FIDO service. */
  private async reach(descriptor: DeviceDescriptor | string): Promise<{ peripheral: NoblePeripheralLike; connection: GattConnection }> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    if (!id.startsWith(ID_PREFIX) || id.length === ID_PREFIX.length) {
      throw new TransportError('NOT_FOUND', { message: 'A Bluetooth key id looks like ble://<peripheral id>; list the keys to find it.' });
    }
    const deadline = Date.now() + (this.options.openTimeoutMs ?? 10_000);
    await this.ready();
    const peripheral = this.known.get(id.slice(ID_PREFIX.length)) ?? (await this.find(id.slice(ID_PREFIX.length), deadline));
    if (peripheral.state !== 'connected') await this.connectInTime(peripheral, deadline);
    let characteristics: NobleCharacteristics;
    try {
      characteristics = { ...(await discover(peripheral)), ...(await discoverFido(peripheral)) };
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
    return { peripheral, connection: nobleGattConnection(peripheral, characteristics) };
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
          message:
            'Bluetooth support could not be loaded: the optional package @stoprocent/noble is missing or has no build for this system; ' +
            'install it (`npm install @stoprocent/noble`) and try again.',
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
        () =>
          finish(
            adapterError(last) ??
              new TransportError('NOT_FOUND', { message: 'The Bluetooth adapter did not get ready in time; check that Bluetooth works and try again.' }),
          ),
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
      throw (
        adapterError(noble.state) ??
        new TransportError('NOT_FOUND', { cause: error, message: 'Bluetooth scanning failed; check that Bluetooth works and try again.' })
      );
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
          () =>
            reject(
              new TransportError('NOT_FOUND', {
                message: 'No Bluetooth key with this id is in range; wake it (press its button), bring it closer and try again.',
              }),
            ),
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
      timer = setTimeout(
        () => {
          // noble waits for a connection forever unless told to stop.
          peripheral.cancelConnect();
          reject(
            new TransportError('NOT_FOUND', { message: 'The Bluetooth key did not accept the connection in time; wake it, bring it closer and try again.' }),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
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
  return peripheral.state === 'connected'
    ? undefined
    : new TransportError('DISCONNECTED', { cause: error, message: 'The Bluetooth key disconnected while connecting; wake it and try again.' });
}

/** The characteristics of `service` named in `wanted`, or undefined when the key lacks any of them. */
async function discoverService(
  peripheral: NoblePeripheralLike,
  service: string,
  wanted: typeof HKP_CHARACTERISTICS,
): Promise<NobleCharacteristics | undefined> {
  const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync(
    [service],
    wanted.map(([, uuid]) => uuid),
  );
  const found: Partial<Record<keyof NobleCharacteristics, NobleCharacteristicLike>> = {};
  for (const [name, uuid] of wanted) {
    const characteristic = characteristics.find((candidate) => candidate.uuid === uuid);
    if (characteristic === undefined) return undefined;
    found[name] = characteristic;
  }
  return found;
}

/** The four characteristics of the HKP service (§2.2). */
async function discover(peripheral: NoblePeripheralLike): Promise<NobleCharacteristics> {
  let found: NobleCharacteristics | undefined;
  try {
    found = await discoverService(peripheral, SERVICE, HKP_CHARACTERISTICS);
  } catch (error) {
    // noble rejects with a plain string when the service is missing.
    throw (
      gone(peripheral, error) ??
      new TransportError('PROTOCOL_VIOLATION', { cause: error, message: 'The device does not offer the HKP service, so it is not an HKP/1 key.' })
    );
  }
  if (found === undefined)
    throw new TransportError('PROTOCOL_VIOLATION', { message: 'The device lacks characteristics of the HKP service, so it is not an HKP/1 key.' });
  return found;
}

/** The FIDO service's characteristics (§2.12), or none when the key offers no FIDO service. */
async function discoverFido(peripheral: NoblePeripheralLike): Promise<NobleCharacteristics> {
  let found: NobleCharacteristics | undefined;
  try {
    found = await discoverService(peripheral, FIDO_SERVICE, FIDO_CHARACTERISTICS);
  } catch (error) {
    // noble rejects with a plain string when the service is missing: an HKP key without the security-key mode.
    const lost = gone(peripheral, error);
    if (lost !== undefined) throw lost;
    return {};
  }
  if (found === undefined)
    throw new TransportError('PROTOCOL_VIOLATION', {
      message: 'The key lacks characteristics of the FIDO service (CTAP 2.1 §11.4.1), so it cannot be used as a security key.',
    });
  return found;
}

function noop(): void {}
