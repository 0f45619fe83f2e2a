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
import { type BleChannelOptions, type GattPort, assertServiceRevision } from '../ble-channel.js';
import { selectFido2 } from '../ble-fido.js';
import { BleTransport } from '../ble-transport.js';
import { pollDevices } from '../device-poller.js';
import { BridgeError, TransportError } from '../errors.js';
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
 * FIDO port drops refused writes and the HKP channel drops refused write commands, so either reading settles the
 * same way.)
 */
class BleLinkSocket {
  mtu = BLE_DEFAULT_ATT_MTU;
  private readonly reader = new BleLinkFrameReader();
  private readonly pending: PendingRequest[] = [];
  private readonly notifyListeners = new Set<(value: Uint8Array) => void>();
  private readonly fidoNotifyListeners = new Set<(value: Uint8Array) => void>();
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

  onNotify(listener: (value: Uint8Array) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  /** fidoStatus notifications (FIDO_NOTIFY). */
  onFidoNotify(listener: (value: Uint8Array) => void): () => void {
    this.fidoNotifyListeners.add(listener);
    return () => this.fidoNotifyListeners.delete(listener);
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
        for (const listener of this.notifyListeners) listener(data);
        return;
      case BleLinkOp.FIDO_NOTIFY:
        for (const listener of this.fidoNotifyListeners) listener(data);
        return;
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
    return new TransportError('NOT_FOUND', { message: 'No key with this serial is on the simulator\'s BLE link; list the keys to see which are there.' });
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

/**
 * Connects to one key the way a BLE host does (§2.2, §2.3): CONNECT, EXCHANGE_MTU, read the service revision,
 * enable notifications. The control point length is read by the channel (BleChannel.open).
 */
export async function connectBleLinkPort(key: BleLinkKeyAddress, options: BleLinkConnectOptions = {}): Promise<GattPort> {
  return hkpPort(await connectBleLink(key, options));
}

/** Both services of one connection: the HKP port, and the FIDO port when the key offers FIDO2 over BLE. */
export interface BleLinkPorts {
  readonly hkp: GattPort;
  readonly fido: GattPort | undefined;
}

/**
 * connectBleLinkPort, then the FIDO service as CTAP 2.1 §11.4 has a host prepare it (§2.12): read
 * fidoServiceRevisionBitfield, select FIDO2, enable fidoStatus notifications. A key that refuses the read offers no
 * FIDO service; one without the FIDO2 bit is not driven over it either. Closing the HKP port ends the connection;
 * the FIDO port's close leaves it to that.
 */
export async function connectBleLinkPorts(key: BleLinkKeyAddress, options: BleLinkConnectOptions = {}): Promise<BleLinkPorts> {
  const link = await connectBleLink(key, options);
  let fido: GattPort | undefined;
  try {
    fido = await prepareFido(link);
  } catch (error) {
    await link.close();
    throw error;
  }
  return { hkp: hkpPort(link), fido };
}

async function prepareFido(link: BleLinkSocket): Promise<GattPort | undefined> {
  let bitfield: Uint8Array;
  try {
    bitfield = await link.read(BleLinkCharacteristic.FIDO_SERVICE_REVISION_BITFIELD);
  } catch (error) {
    if (error instanceof LinkRefusal) return undefined;
    throw error;
  }
  const selected = await selectFido2(bitfield, async (value) => {
    await link.request(BleLinkOp.FIDO_SELECT_REVISION, value, BleLinkOp.WRITTEN);
  });
  if (!selected) return undefined;
  await link.request(BleLinkOp.FIDO_SUBSCRIBE, Uint8Array.of(1), BleLinkOp.FIDO_SUBSCRIBED);
  return fidoPort(link);
}

async function connectBleLink(key: BleLinkKeyAddress, options: BleLinkConnectOptions): Promise<BleLinkSocket> {
  const mtu = options.mtu ?? DEFAULT_BLE_LINK_MTU;
  if (!Number.isInteger(mtu) || mtu < BLE_DEFAULT_ATT_MTU || mtu > BLE_MAX_ATT_MTU) {
    throw new RangeError(`The ATT MTU to ask for must be an integer from ${BLE_DEFAULT_ATT_MTU} to ${BLE_MAX_ATT_MTU}.`);
  }
  const link = await BleLinkSocket.connect(key, options.timeoutMs ?? 2000);
  try {
    link.mtu = decodeUint16(await link.request(BleLinkOp.CONNECT, utf8.encode(key.serial), BleLinkOp.CONNECTED)) ?? BLE_DEFAULT_ATT_MTU;
    if (mtu !== BLE_DEFAULT_ATT_MTU) {
      link.mtu = decodeUint16(await link.request(BleLinkOp.EXCHANGE_MTU, encodeUint16(mtu), BleLinkOp.MTU)) ?? link.mtu;
    }
    assertServiceRevision(await link.read(BleLinkCharacteristic.SERVICE_REVISION));
    await link.request(BleLinkOp.SUBSCRIBE, Uint8Array.of(1), BleLinkOp.SUBSCRIBED);
  } catch (error) {
    await link.close();
    throw error;
  }
  return link;
}

function hkpPort(link: BleLinkSocket): GattPort {
  return {
    get mtu() {
      return link.mtu;
    },
    async controlPointLength() {
      const length = decodeUint16(await link.read(BleLinkCharacteristic.CONTROL_POINT_LENGTH));
      if (length === undefined) throw new TransportError('PROTOCOL_VIOLATION', { message: 'The control point length is not a 16-bit value, so the device is not an HKP/1 key.' });
      return length;
    },
    async write(value, withResponse = false) {
      if (withResponse) await link.request(BleLinkOp.WRITE_REQUEST, value, BleLinkOp.WRITTEN);
      else await link.send(BleLinkOp.WRITE_COMMAND, value);
    },
    onNotify: (listener) => link.onNotify(listener),
    onDisconnect: (listener) => link.onDisconnect(listener),
    onMtuChange: (listener) => link.onMtuChange(listener),
    close: () => link.close(),
  };
}

/** The FIDO service of the connection (§2.12); FIDO2 is selected and fidoStatus subscribed already. */
function fidoPort(link: BleLinkSocket): GattPort {
  return {
    get mtu() {
      return link.mtu;
    },
    async controlPointLength() {
      const length = decodeUint16(await link.read(BleLinkCharacteristic.FIDO_CONTROL_POINT_LENGTH));
      if (length === undefined) throw new TransportError('PROTOCOL_VIOLATION', { message: "The key's fidoControlPointLength is not a 16-bit value, so its FIDO service cannot be used." });
      return length;
    },
    async write(value) {
      try {
        await link.request(BleLinkOp.FIDO_WRITE, value, BleLinkOp.WRITTEN);
      } catch (error) {
        // Longer than the fragment size after an MTU change: dropped, and the channel writes the message again (§2.3).
        if (error instanceof LinkRefusal && error.linkCode === BleLinkError.BAD_LENGTH) return;
        throw error;
      }
    },
    onNotify: (listener) => link.onFidoNotify(listener),
    onDisconnect: (listener) => link.onDisconnect(listener),
    onMtuChange: (listener) => link.onMtuChange(listener),
    // The HKP port owns the connection and ends it.
    close: async () => undefined,
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
    const ports = await connectBleLinkPorts(key, { mtu: this.options.mtu, timeoutMs: this.options.timeoutMs });
    return BleTransport.open(bleLinkDescriptor(key), ports.hkp, this.options, ports.fido);
  }
}

function noop(): void {}
