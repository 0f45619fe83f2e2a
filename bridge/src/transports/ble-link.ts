/**
 * The simulator's BLE link (docs/protocol.md §8.2), Node only: GATT operations over TCP, one TCP connection per
 * BLE connection. Simulators are reached at tcp://host:port (default tcp://127.0.0.1:8112); a key on one is
 * ble-link://host:port/SERIAL. Only the Node entry imports this file.
 */
import { type Socket, connect } from 'node:net';
import {
  BLE_DEFAULT_ATT_MTU,
  BLE_LINK_DEFAULT_PORT,
  BLE_MAX_ATT_MTU,
  BleLinkCharacteristic,
  BleLinkError,
  BleLinkFrameReader,
  BleLinkOp,
  decodeAdvertisements,
  decodeUint16,
  encodeBleLinkFrame,
  encodeUint16,
} from '@hkey/protocol';
import type { BleChannelOptions } from '../ble-channel.js';
import { BleTransport } from '../ble-transport.js';
import { pollDevices } from '../device-poller.js';
import { BridgeError, TransportError } from '../errors.js';
import { type GattConnection, type GattNotifying, type GattReadable, type GattWritable, keyRefusedValue, keyRefusedWrite } from '../gatt-connection.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

export const DEFAULT_BLE_LINK_ADDRESS = `tcp://127.0.0.1:${BLE_LINK_DEFAULT_PORT}`;
/** The ATT_MTU asked for after connecting, as phones and computers commonly do. */
export const DEFAULT_BLE_LINK_MTU = 247;

export interface BleLinkTransportOptions extends BleChannelOptions {
  /** The simulators' BLE links that list() scans, as tcp://host:port; default tcp://127.0.0.1:8112. */
  readonly addresses?: readonly string[];
  /** The ATT_MTU asked for in the MTU exchange, 23..517 (23 skips the exchange). Default 247. */
  readonly mtu?: number;
  /** How long connecting and each GATT operation of the link may take. Default 2 s. */
  readonly timeoutMs?: number;
  /** How often listen() scans again. Default 1 s. */
  readonly pollIntervalMs?: number;
}

export interface BleLinkAddress {
  readonly host: string;
  readonly port: number;
}

/** One key on a simulator's BLE link. */
export interface BleLinkKeyAddress extends BleLinkAddress {
  readonly serial: string;
}

const NOT_A_LINK = 'A simulator BLE link address looks like tcp://127.0.0.1:8112.';
const NOT_A_KEY = 'A key on a simulator BLE link looks like ble-link://127.0.0.1:8112/HK-SIM-000001.';

function parseUrl(address: string, protocol: string, message: string): { host: string; port: number; path: string } {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  const port = url?.port === '' ? BLE_LINK_DEFAULT_PORT : Number(url?.port);
  if (url === undefined || url.protocol !== protocol || url.hostname === '' || url.search !== '' || url.hash !== '' || !(port > 0)) {
    throw new TransportError('NOT_FOUND', { message });
  }
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, path: url.pathname };
}

/** Reads tcp://host:port (the port defaults to 8112). Throws NOT_FOUND for anything else. */
export function parseBleLinkAddress(address: string): BleLinkAddress {
  const { host, port, path } = parseUrl(address, 'tcp:', NOT_A_LINK);
  if (path !== '' && path !== '/') throw new TransportError('NOT_FOUND', { message: NOT_A_LINK });
  return { host, port };
}

/** Reads ble-link://host:port/SERIAL. Throws NOT_FOUND for anything else. */
export function parseBleLinkKey(id: string): BleLinkKeyAddress {
  const { host, port, path } = parseUrl(id, 'ble-link:', NOT_A_KEY);
  const serial = decodeURIComponent(path.slice(1));
  if (serial === '' || serial.includes('/')) throw new TransportError('NOT_FOUND', { message: NOT_A_KEY });
  return { host, port, serial };
}

const hostPort = ({ host, port }: BleLinkAddress): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

export function formatBleLinkAddress(address: BleLinkAddress): string {
  return `tcp://${hostPort(address)}`;
}

export function formatBleLinkKey(key: BleLinkKeyAddress): string {
  return `ble-link://${hostPort(key)}/${encodeURIComponent(key.serial)}`;
}

function bleLinkDescriptor(key: BleLinkKeyAddress): DeviceDescriptor {
  return { id: formatBleLinkKey(key), transport: 'ble', serial: key.serial, name: `${key.serial} (simulator)`, path: formatBleLinkAddress(key) };
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

interface PendingRequest {
  readonly answer: number;
  readonly resolve: (data: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The link refused an operation with ERROR `linkCode` (§8.2). */
class LinkRefusal extends TransportError {
  constructor(
    readonly linkCode: number,
    message: string,
  ) {
    super('PROTOCOL_VIOLATION', { message });
  }
}

/**
 * One TCP connection to a BLE link. The link answers operations in order, so answers are matched to requests
 * first in, first out. ERROR frames carry no operation: one goes to the oldest pending request, and with none
 * pending it refused a WRITE_COMMAND, which, like a write without response the key refuses (§2.3), is dropped.
 * (A WRITE_COMMAND refused while a FIDO_WRITE waits for its WRITTEN is taken as the FIDO_WRITE's refusal; the
 * channels drop refused control point writes of either kind, so either reading settles the same way.)
 */
class BleLinkSocket {
  mtu = BLE_DEFAULT_ATT_MTU;
  private readonly reader = new BleLinkFrameReader();
  private readonly pending: PendingRequest[] = [];
  private readonly notifyListeners = new Set<(value: Uint8Array, characteristic: GattNotifying) => void>();
  private readonly mtuListeners = new Set<(mtu: number) => void>();
  private readonly disconnectListeners = new Set<(reason: string) => void>();
  /** Why the link went away, once it has. */
  private lostReason: string | undefined;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.lose(`the link failed: ${error.message}`));
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.lose('the link closed');
        resolve();
      }),
    );
  }

  static connect(address: BleLinkAddress, timeoutMs: number): Promise<BleLinkSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(address.port, address.host);
      const fail = (cause?: unknown): void => {
        clearTimeout(timer);
        socket.destroy();
        // Refused or silent: both mean no simulator listens there.
        reject(new TransportError('NOT_FOUND', { cause }));
      };
      const timer = setTimeout(fail, timeoutMs);
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(new BleLinkSocket(socket, timeoutMs));
      });
    });
  }

  request(op: number, data: Uint8Array, answer: number): Promise<Uint8Array> {
    if (this.lostReason !== undefined) return Promise.reject(this.lostError());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.lose('the simulator did not answer in time'), this.timeoutMs);
      this.pending.push({ answer, resolve, reject, timer });
      void this.send(op, data);
    });
  }

  /** Reads a characteristic (§8.2 READ) and returns its value. */
  async read(characteristic: number): Promise<Uint8Array> {
    const data = await this.request(BleLinkOp.READ, Uint8Array.of(characteristic), BleLinkOp.VALUE);
    if (data[0] !== characteristic) throw new TransportError('PROTOCOL_VIOLATION', { message: 'The simulator answered a read of another characteristic.' });
    return data.subarray(1);
  }

  /** Resolves once the socket takes the frame, waiting for it to drain like a BLE stack's write queue. */
  send(op: number, data: Uint8Array): Promise<void> {
    if (this.lostReason !== undefined) return Promise.reject(this.lostError());
    if (this.socket.write(encodeBleLinkFrame(op, data))) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Status notifications (NOTIFY) and fidoStatus notifications (FIDO_NOTIFY). */
  onNotify(listener: (value: Uint8Array, characteristic: GattNotifying) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  onMtuChange(listener: (mtu: number) => void): () => void {
    this.mtuListeners.add(listener);
    return () => this.mtuListeners.delete(listener);
  }

  onDisconnect(listener: (reason: string) => void): () => void {
    const reason = this.lostReason;
    if (reason !== undefined) {
      queueMicrotask(() => listener(reason));
      return noop;
    }
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /** Asks the link to disconnect and waits until the socket is closed. */
  async close(): Promise<void> {
    // Closing on purpose is not a disconnect to report.
    this.disconnectListeners.clear();
    if (this.lostReason === undefined) {
      this.socket.end(encodeBleLinkFrame(BleLinkOp.DISCONNECT));
      // The simulator closes its side at once; one that does not is not waited for.
      const timer = setTimeout(() => this.socket.destroy(), this.timeoutMs);
      await this.closed;
      clearTimeout(timer);
    } else {
      this.socket.destroy();
      await this.closed;
    }
  }

  private onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch {
      this.socket.destroy();
      this.lose('the simulator sent a malformed frame');
      return;
    }
    for (const frame of frames) this.onFrame(frame.op, frame.data);
  }

  private onFrame(op: number, data: Uint8Array): void {
    switch (op) {
      case BleLinkOp.NOTIFY:
      case BleLinkOp.FIDO_NOTIFY: {
        const characteristic = op === BleLinkOp.NOTIFY ? 'status' : 'fido-status';
        for (const listener of this.notifyListeners) listener(data, characteristic);
        return;
      }
      case BleLinkOp.MTU_CHANGED: {
        const mtu = decodeUint16(data);
        if (mtu === undefined) return;
        this.mtu = mtu;
        for (const listener of this.mtuListeners) listener(mtu);
        return;
      }
      case BleLinkOp.DISCONNECTED:
        // The socket closes next; the key's reason is the one worth reporting.
        this.lose(text.decode(data));
        return;
      case BleLinkOp.ERROR: {
        const request = this.pending.shift();
        if (request === undefined) return;
        clearTimeout(request.timer);
        request.reject(linkError(data));
        return;
      }
      default: {
        const request = this.pending[0];
        if (request === undefined || request.answer !== op) return;
        this.pending.shift();
        clearTimeout(request.timer);
        request.resolve(data);
      }
    }
  }

  private lostError(): TransportError {
    return new TransportError('DISCONNECTED', { message: `The simulator's BLE link went away (${this.lostReason}); open the key again.` });
  }

  private lose(reason: string): void {
    if (this.lostReason !== undefined) return;
    this.lostReason = reason;
    this.socket.destroy();
    const error = this.lostError();
    for (const request of this.pending.splice(0)) {
      clearTimeout(request.timer);
      request.reject(error);
    }
    for (const listener of this.disconnectListeners) listener(reason);
    this.disconnectListeners.clear();
  }
}

function linkError(data: Uint8Array): TransportError {
  if (data[0] === BleLinkError.NO_SUCH_KEY) {
    return new TransportError('NOT_FOUND', { message: "No key with this serial is on the simulator's BLE link; list the keys to see which are there." });
  }
  return new LinkRefusal(data[0] ?? 0, `The simulator's BLE link refused an operation (${text.decode(data.subarray(1))}).`);
}

/** Scans one simulator's BLE link: the serials of the keys it advertises. */
export async function scanBleLink(address: BleLinkAddress, timeoutMs = 2000): Promise<string[]> {
  const link = await BleLinkSocket.connect(address, timeoutMs);
  try {
    const serials = decodeAdvertisements(await link.request(BleLinkOp.SCAN, new Uint8Array(0), BleLinkOp.ADVERTISEMENTS));
    if (serials === undefined) throw new TransportError('PROTOCOL_VIOLATION', { message: 'The simulator sent malformed advertisements.' });
    return serials;
  } finally {
    await link.close();
  }
}

export interface BleLinkConnectOptions {
  /** The ATT_MTU asked for, 23..517 (23 skips the exchange). Default 247. */
  readonly mtu?: number;
  /** How long connecting and each GATT operation may take. Default 2 s. */
  readonly timeoutMs?: number;
}

const READ_TARGETS: Readonly<Record<GattReadable, number>> = {
  'control-point-length': BleLinkCharacteristic.CONTROL_POINT_LENGTH,
  'service-revision': BleLinkCharacteristic.SERVICE_REVISION,
  'fido-control-point-length': BleLinkCharacteristic.FIDO_CONTROL_POINT_LENGTH,
  'fido-service-revision-bitfield': BleLinkCharacteristic.FIDO_SERVICE_REVISION_BITFIELD,
};

/** The write request of each writable characteristic (§8.2); the FIDO service's take Write Requests only. */
const WRITE_REQUESTS: Readonly<Record<GattWritable, number>> = {
  'control-point': BleLinkOp.WRITE_REQUEST,
  'fido-control-point': BleLinkOp.FIDO_WRITE,
  'fido-service-revision-bitfield': BleLinkOp.FIDO_SELECT_REVISION,
};

/**
 * Connects to one key the way a BLE host does (§2.2, §2.3): CONNECT, then EXCHANGE_MTU. The simulator's keys offer
 * the HKP service and the FIDO service (§2.12).
 */
export async function connectBleLinkGatt(key: BleLinkKeyAddress, options: BleLinkConnectOptions = {}): Promise<GattConnection> {
  const mtu = options.mtu ?? DEFAULT_BLE_LINK_MTU;
  if (!Number.isInteger(mtu) || mtu < BLE_DEFAULT_ATT_MTU || mtu > BLE_MAX_ATT_MTU) {
    throw new RangeError(`The ATT MTU to ask for must be an integer from ${BLE_DEFAULT_ATT_MTU} to ${BLE_MAX_ATT_MTU}.`);
  }
  const link = await BleLinkSocket.connect(key, options.timeoutMs ?? 2000);
  const connection = bleLinkGatt(link);
  try {
    link.mtu = decodeUint16(await link.request(BleLinkOp.CONNECT, utf8.encode(key.serial), BleLinkOp.CONNECTED)) ?? BLE_DEFAULT_ATT_MTU;
    if (mtu !== BLE_DEFAULT_ATT_MTU) await connection.exchangeMtu(mtu);
  } catch (error) {
    await link.close();
    throw error;
  }
  return connection;
}

function bleLinkGatt(link: BleLinkSocket): GattConnection {
  return {
    services: ['hkp', 'fido'],
    get mtu() {
      return link.mtu;
    },
    async exchangeMtu(clientMtu) {
      link.mtu = decodeUint16(await link.request(BleLinkOp.EXCHANGE_MTU, encodeUint16(clientMtu), BleLinkOp.MTU)) ?? link.mtu;
      return link.mtu;
    },
    read: (characteristic) => link.read(READ_TARGETS[characteristic]),
    async write(value, withResponse, characteristic = 'control-point') {
      if (!withResponse && characteristic === 'control-point') return link.send(BleLinkOp.WRITE_COMMAND, value);
      try {
        await link.request(WRITE_REQUESTS[characteristic], value, BleLinkOp.WRITTEN);
      } catch (error) {
        if (error instanceof LinkRefusal && error.linkCode === BleLinkError.BAD_LENGTH) throw keyRefusedWrite(error);
        if (error instanceof LinkRefusal && error.linkCode === BleLinkError.VALUE_NOT_ALLOWED) throw keyRefusedValue(error);
        throw error;
      }
    },
    async subscribe(enable, characteristic = 'status') {
      const [op, answer] = characteristic === 'status' ? [BleLinkOp.SUBSCRIBE, BleLinkOp.SUBSCRIBED] : [BleLinkOp.FIDO_SUBSCRIBE, BleLinkOp.FIDO_SUBSCRIBED];
      await link.request(op, Uint8Array.of(enable ? 1 : 0), answer);
    },
    onNotify: (listener) => link.onNotify(listener),
    onDisconnect: (listener) => link.onDisconnect(listener),
    onMtuChange: (listener) => link.onMtuChange(listener),
    close: () => link.close(),
  };
}

/** Keys on simulators' BLE links, listed, watched and opened like any other kind of transport. */
export class BleLinkTransportKind implements TransportKind {
  private readonly addresses: readonly BleLinkAddress[];

  constructor(private readonly options: BleLinkTransportOptions = {}) {
    this.addresses = (options.addresses ?? [DEFAULT_BLE_LINK_ADDRESS]).map(parseBleLinkAddress);
  }

  /** Every key the configured links advertise. */
  async list(): Promise<DeviceDescriptor[]> {
    const scans = this.addresses.map(async (address) => {
      try {
        return (await scanBleLink(address, this.options.timeoutMs)).map((serial) => bleLinkDescriptor({ ...address, serial }));
      } catch (error) {
        // No simulator at an address is the answer "no keys there"; anything else is worth reporting.
        if (error instanceof BridgeError && error.code === 'NOT_FOUND') return [];
        throw error;
      }
    });
    return (await Promise.all(scans)).flat();
  }

  /** Scans every pollIntervalMs and reports keys that appear or disappear. */
  listen(observer: DeviceObserver): Subscription {
    return pollDevices(() => this.list(), observer, this.options.pollIntervalMs ?? 1000);
  }

  /** Opens ble-link://host:port/SERIAL, or a descriptor from list(). */
  async open(descriptor: DeviceDescriptor | string): Promise<BleTransport> {
    const key = parseBleLinkKey(typeof descriptor === 'string' ? descriptor : descriptor.id);
    const connection = await connectBleLinkGatt(key, { mtu: this.options.mtu, timeoutMs: this.options.timeoutMs });
    return BleTransport.open(bleLinkDescriptor(key), connection, this.options);
  }
}

function noop(): void {}
