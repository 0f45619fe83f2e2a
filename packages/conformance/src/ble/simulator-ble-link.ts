/**
 * A client of the simulator's BLE link (docs/protocol.md §8.2): GATT operations as LEN OP DATA frames over TCP
 * on loopback. Requests are answered in order, so each pending request takes the next answer frame; NOTIFY,
 * MTU_CHANGED and DISCONNECTED arrive on their own.
 */
import { type Socket, connect } from 'node:net';
import {
  BLE_LINK_DEFAULT_PORT,
  BleLinkCharacteristic,
  BleLinkFrameReader,
  BleLinkOp,
  decodeAdvertisements,
  decodeUint16,
  encodeBleLinkFrame,
  encodeUint16,
} from '@hkey/protocol';
import { ConformanceError } from '../failures.js';
import type { BleGattLink, GattCharacteristic } from './gatt-link.js';

export interface BleLinkAddress {
  readonly host: string;
  readonly port: number;
  /** The key to connect to; default: the only key the link advertises. */
  readonly serial?: string;
}

/** Reads ble-link://host:port[?serial=S] (also tcp://…); the port defaults to 8112. */
export function parseBleLinkAddress(url: string): BleLinkAddress {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'ble-link:' && parsed.protocol !== 'tcp:') || parsed.hostname === '') {
    throw new ConformanceError('BAD_BLE_LINK_ADDRESS', 'A BLE link address looks like ble-link://127.0.0.1:8112 (optionally ?serial=HK-SIM-000001).');
  }
  const serial = parsed.searchParams.get('serial') ?? undefined;
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port === '' ? BLE_LINK_DEFAULT_PORT : Number(parsed.port), ...(serial && { serial }) };
}

interface PendingRequest {
  readonly answer: number;
  readonly resolve: (data: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

const CHARACTERISTICS: Readonly<Record<GattCharacteristic, number>> = {
  'control-point-length': BleLinkCharacteristic.CONTROL_POINT_LENGTH,
  'service-revision': BleLinkCharacteristic.SERVICE_REVISION,
};

const text = new TextDecoder();

/** A link error frame answering a request (§8.2 ERROR codes). */
export class BleLinkRequestError extends ConformanceError {
  constructor(readonly linkCode: number, message: string) {
    super('BLE_LINK_ERROR', `The BLE link refused the operation (code ${linkCode}): ${message}`);
  }
}

class SimulatorBleLink implements BleGattLink {
  mtu = 23;
  private readonly pending: PendingRequest[] = [];
  private readonly notifyListeners = new Set<(value: Uint8Array) => void>();
  private readonly disconnectListeners = new Set<(reason: string) => void>();
  private closed = false;

  constructor(private readonly socket: Socket) {
    const reader = new BleLinkFrameReader();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) this.onFrame(frame.op, frame.data);
      } catch (error) {
        this.lose(`the link sent a malformed frame (${(error as Error).message})`);
      }
    });
    socket.on('close', () => this.lose('the link closed'));
    socket.on('error', (error) => this.lose(`the link failed (${error.message})`));
  }

  request(op: number, answer: number, data?: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new ConformanceError('BLE_LINK_CLOSED', 'The BLE link is closed.'));
    return new Promise((resolve, reject) => {
      this.pending.push({ answer, resolve, reject });
      this.socket.write(encodeBleLinkFrame(op, data));
    });
  }

  async exchangeMtu(clientMtu: number): Promise<number> {
    const mtu = decodeUint16(await this.request(BleLinkOp.EXCHANGE_MTU, BleLinkOp.MTU, encodeUint16(clientMtu)));
    if (mtu === undefined) throw new ConformanceError('BLE_LINK_PROTOCOL', 'The BLE link answered EXCHANGE_MTU without a 16-bit MTU.');
    this.mtu = mtu;
    return mtu;
  }

  async read(characteristic: GattCharacteristic): Promise<Uint8Array> {
    const id = CHARACTERISTICS[characteristic];
    const value = await this.request(BleLinkOp.READ, BleLinkOp.VALUE, Uint8Array.of(id));
    if (value[0] !== id) throw new ConformanceError('BLE_LINK_PROTOCOL', 'The BLE link answered READ with another characteristic.');
    return value.slice(1);
  }

  async subscribe(enable: boolean): Promise<void> {
    await this.request(BleLinkOp.SUBSCRIBE, BleLinkOp.SUBSCRIBED, Uint8Array.of(enable ? 1 : 0));
  }

  async writeRequest(value: Uint8Array): Promise<boolean> {
    try {
      await this.request(BleLinkOp.WRITE_REQUEST, BleLinkOp.WRITTEN, value);
      return true;
    } catch (error) {
      if (error instanceof BleLinkRequestError) return false;
      throw error;
    }
  }

  async writeCommand(value: Uint8Array): Promise<void> {
    if (this.closed) throw new ConformanceError('BLE_LINK_CLOSED', 'The BLE link is closed.');
    this.socket.write(encodeBleLinkFrame(BleLinkOp.WRITE_COMMAND, value));
  }

  onNotify(listener: (value: Uint8Array) => void): () => void {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  onDisconnect(listener: (reason: string) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.write(encodeBleLinkFrame(BleLinkOp.DISCONNECT));
    this.socket.end();
    this.lose('closed by the host');
  }

  private onFrame(op: number, data: Uint8Array): void {
    switch (op) {
      case BleLinkOp.NOTIFY:
        for (const listener of this.notifyListeners) listener(data);
        return;
      case BleLinkOp.MTU_CHANGED:
        this.mtu = decodeUint16(data) ?? this.mtu;
        return;
      case BleLinkOp.DISCONNECTED:
        this.lose(`the key disconnected (${text.decode(data)})`);
        return;
      case BleLinkOp.ERROR: {
        // Only requests are answered with ERROR here: a refused write command has no request waiting for it.
        const error = new BleLinkRequestError(data[0] ?? 0, text.decode(data.subarray(1)));
        this.pending.shift()?.reject(error);
        return;
      }
      default: {
        const request = this.pending.shift();
        if (request === undefined) return;
        if (request.answer === op) request.resolve(data);
        else request.reject(new ConformanceError('BLE_LINK_PROTOCOL', `The BLE link answered with operation 0x${op.toString(16)}.`));
      }
    }
  }

  private lose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const request of this.pending.splice(0)) request.reject(new ConformanceError('BLE_LINK_CLOSED', `The BLE link is gone: ${reason}.`));
    for (const listener of this.disconnectListeners) listener(reason);
    this.socket.destroy();
  }
}

/** Connects to the simulator's BLE link and to one key on it; notifications are not enabled yet. */
export async function connectSimulatorBleLink(address: BleLinkAddress): Promise<BleGattLink> {
  const socket = connect(address.port, address.host);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (error) =>
      reject(new ConformanceError('BLE_LINK_UNREACHABLE', `Nothing answers at ${address.host}:${address.port}: ${error.message}. Start the simulator with its BLE link.`)),
    );
  });
  const link = new SimulatorBleLink(socket);
  try {
    const serial = address.serial ?? (await onlyAdvertisedKey(link));
    await link.request(BleLinkOp.CONNECT, BleLinkOp.CONNECTED, new TextEncoder().encode(serial));
  } catch (error) {
    await link.close();
    throw error;
  }
  return link;
}

async function onlyAdvertisedKey(link: SimulatorBleLink): Promise<string> {
  const serials = decodeAdvertisements(await link.request(BleLinkOp.SCAN, BleLinkOp.ADVERTISEMENTS)) ?? [];
  if (serials.length !== 1 || serials[0] === undefined) {
    throw new ConformanceError('BLE_LINK_AMBIGUOUS', `The BLE link advertises ${serials.length} keys; add ?serial=SERIAL to the address.`);
  }
  return serials[0];
}
