/**
 * The FIDO GATT service of a key on the simulator's BLE link (docs/protocol.md §8.2): CONNECT, EXCHANGE_MTU,
 * FIDO_SUBSCRIBE, then READ 3 and 4, FIDO_WRITE and FIDO_SELECT_REVISION, with fidoStatus values in FIDO_NOTIFY.
 * One TCP connection is one BLE connection. The bridge's link client speaks the HKP service only, so the suite
 * talks to the FIDO service itself.
 */
import { type Socket, connect } from 'node:net';
import type { BleLinkKeyAddress } from '@hkey/bridge';
import {
  BLE_DEFAULT_ATT_MTU,
  BleLinkCharacteristic,
  BleLinkError,
  BleLinkFrameReader,
  BleLinkOp,
  decodeUint16,
  encodeBleLinkFrame,
  encodeUint16,
} from '@hkey/protocol';
import { ConformanceError } from '../failures.js';
import type { FidoGattPort, RevisionWriteOutcome } from './fido-gatt-port.js';

/** How long connecting and each link operation may take. */
const OPERATION_MS = 2_000;

interface Pending {
  readonly answer: number;
  readonly resolve: (data: Uint8Array) => void;
  readonly reject: (error: LinkRefusal | ConformanceError) => void;
}

/** The link answered an operation with ERROR: its code (§8.2). */
class LinkRefusal extends ConformanceError {
  constructor(readonly linkCode: number) {
    super('BLE_LINK_REFUSED', `The simulator's BLE link refused an operation of the FIDO service (error ${linkCode}).`);
  }
}

/** Connects to the key's FIDO service at ATT_MTU `mtu` (23 skips the exchange) with fidoStatus notifications on. */
export async function connectFidoBleLinkPort(key: BleLinkKeyAddress, mtu: number): Promise<FidoGattPort> {
  const socket = await open(key);
  const reader = new BleLinkFrameReader();
  const pending: Pending[] = [];
  const notifyListeners = new Set<(value: Uint8Array) => void>();
  const disconnectListeners = new Set<(reason: string) => void>();
  let currentMtu = BLE_DEFAULT_ATT_MTU;
  let lost: string | undefined;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const lose = (reason: string): void => {
    if (lost !== undefined) return;
    lost = reason;
    socket.destroy();
    for (const request of pending.splice(0)) request.reject(lostError(reason));
    for (const listener of disconnectListeners) listener(reason);
  };
  const onFrame = (op: number, data: Uint8Array): void => {
    if (op === BleLinkOp.FIDO_NOTIFY) {
      for (const listener of notifyListeners) listener(data);
    } else if (op === BleLinkOp.MTU_CHANGED) {
      currentMtu = decodeUint16(data) ?? currentMtu;
    } else if (op === BleLinkOp.DISCONNECTED) {
      lose(new TextDecoder().decode(data));
    } else if (op === BleLinkOp.ERROR) {
      // ERROR names no operation: the link answers in order, so it is the oldest pending one's.
      pending.shift()?.reject(new LinkRefusal(data[0] ?? 0));
    } else if (pending[0]?.answer === op) {
      pending.shift()?.resolve(data);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) onFrame(frame.op, frame.data);
    } catch {
      lose('the simulator sent a malformed link frame');
    }
  });
  socket.on('error', (error) => lose(`the link failed: ${error.message}`));
  socket.on('close', () => lose('the link closed'));

  const request = (op: number, data: Uint8Array, answer: number): Promise<Uint8Array> => {
    if (lost !== undefined) return Promise.reject(lostError(lost));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => lose('the simulator did not answer a link operation in time'), OPERATION_MS);
      pending.push({
        answer,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      socket.write(encodeBleLinkFrame(op, data));
    });
  };
  const read = async (characteristic: number): Promise<Uint8Array> => {
    const data = await request(BleLinkOp.READ, Uint8Array.of(characteristic), BleLinkOp.VALUE);
    if (data[0] !== characteristic) throw new ConformanceError('BLE_LINK_PROTOCOL', 'The simulator\'s BLE link answered a read of another characteristic.');
    return data.subarray(1);
  };
  const close = async (): Promise<void> => {
    disconnectListeners.clear();
    if (lost === undefined) socket.end(encodeBleLinkFrame(BleLinkOp.DISCONNECT));
    const timer = setTimeout(() => socket.destroy(), OPERATION_MS);
    await closed;
    clearTimeout(timer);
  };

  try {
    currentMtu = decodeUint16(await request(BleLinkOp.CONNECT, new TextEncoder().encode(key.serial), BleLinkOp.CONNECTED)) ?? BLE_DEFAULT_ATT_MTU;
    if (mtu !== BLE_DEFAULT_ATT_MTU) currentMtu = decodeUint16(await request(BleLinkOp.EXCHANGE_MTU, encodeUint16(mtu), BleLinkOp.MTU)) ?? currentMtu;
    await request(BleLinkOp.FIDO_SUBSCRIBE, Uint8Array.of(1), BleLinkOp.FIDO_SUBSCRIBED);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    get mtu() {
      return currentMtu;
    },
    async controlPointLength() {
      const value = await read(BleLinkCharacteristic.FIDO_CONTROL_POINT_LENGTH);
      const length = decodeUint16(value);
      if (length === undefined) throw new ConformanceError('BLE_LINK_PROTOCOL', `fidoControlPointLength is ${value.length} bytes long, not a 16-bit value.`);
      return length;
    },
    revisionBitfield: () => read(BleLinkCharacteristic.FIDO_SERVICE_REVISION_BITFIELD),
    async selectRevision(value): Promise<RevisionWriteOutcome> {
      try {
        await request(BleLinkOp.FIDO_SELECT_REVISION, value, BleLinkOp.WRITTEN);
        return 'selected';
      } catch (error) {
        if (error instanceof LinkRefusal && error.linkCode === BleLinkError.VALUE_NOT_ALLOWED) return 'value-not-allowed';
        if (error instanceof LinkRefusal && error.linkCode === BleLinkError.BAD_LENGTH) return 'invalid-length';
        throw error;
      }
    },
    // fidoControlPoint takes Write Requests only (CTAP 2.1 §11.4): every write waits for the link's WRITTEN.
    async write(value) {
      await request(BleLinkOp.FIDO_WRITE, value, BleLinkOp.WRITTEN);
    },
    onNotify(listener) {
      notifyListeners.add(listener);
      return () => notifyListeners.delete(listener);
    },
    onDisconnect(listener) {
      if (lost !== undefined) {
        const reason = lost;
        queueMicrotask(() => listener(reason));
        return () => undefined;
      }
      disconnectListeners.add(listener);
      return () => disconnectListeners.delete(listener);
    },
    close,
  };
}

function open(key: BleLinkKeyAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(key.port, key.host);
    const failed = (cause?: unknown): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ConformanceError('BLE_LINK_UNREACHABLE', `No simulator BLE link answers at ${key.host}:${key.port}.`, { cause }));
    };
    const timer = setTimeout(failed, OPERATION_MS);
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

function lostError(reason: string): ConformanceError {
  return new ConformanceError('BLE_LINK_LOST', `The simulator's BLE link went away (${reason}).`);
}
