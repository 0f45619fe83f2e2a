/**
 * The BLE link endpoint (docs/protocol.md §8.2): GATT operations over TCP on loopback, one TCP connection per
 * BLE connection, for host stacks tested without a radio.
 */
import { createServer, type Socket } from 'node:net';
import {
  BleLinkCharacteristic,
  BleLinkError,
  BleLinkFrameReader,
  BleLinkOp,
  decodeUint16,
  encodeAdvertisements,
  encodeBleLinkFrame,
  encodeUint16,
} from '@hkey/protocol';
import type { BleConnection, BleEndpoint, GattCharacteristic } from '../ble/ble-endpoint.js';
import { LOOPBACK, listenError } from './listen-error.js';

export interface BleLinkServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const text = new TextDecoder();
const utf8 = new TextEncoder();

const READABLE = new Map<number, GattCharacteristic>([
  [BleLinkCharacteristic.CONTROL_POINT_LENGTH, 'control-point-length'],
  [BleLinkCharacteristic.SERVICE_REVISION, 'service-revision'],
  [BleLinkCharacteristic.FIDO_CONTROL_POINT_LENGTH, 'fido-control-point-length'],
  [BleLinkCharacteristic.FIDO_SERVICE_REVISION_BITFIELD, 'fido-service-revision-bitfield'],
]);

function serve(socket: Socket, endpoints: ReadonlyMap<string, BleEndpoint>): void {
  const reader = new BleLinkFrameReader();
  let connection: BleConnection | undefined;
  const send = (op: number, data?: Uint8Array): void => {
    if (!socket.destroyed) socket.write(encodeBleLinkFrame(op, data));
  };
  const error = (code: number, message: string): void => send(BleLinkOp.ERROR, Uint8Array.of(code, ...utf8.encode(message)));

  const handle = (op: number, data: Uint8Array): void => {
    if (op === BleLinkOp.SCAN) return send(BleLinkOp.ADVERTISEMENTS, encodeAdvertisements([...endpoints.keys()]));
    if (op === BleLinkOp.CONNECT) {
      if (connection?.connected) return error(BleLinkError.ALREADY_CONNECTED, 'This link is already connected.');
      const endpoint = endpoints.get(text.decode(data));
      if (endpoint === undefined) return error(BleLinkError.NO_SUCH_KEY, 'No key advertises that serial.');
      connection = endpoint.connect({
        notify: (value) => send(BleLinkOp.NOTIFY, value),
        notifyFido: (value) => send(BleLinkOp.FIDO_NOTIFY, value),
        mtuChanged: (mtu) => send(BleLinkOp.MTU_CHANGED, encodeUint16(mtu)),
        disconnected: (reason) => {
          send(BleLinkOp.DISCONNECTED, utf8.encode(reason));
          socket.end();
        },
      });
      return send(BleLinkOp.CONNECTED, encodeUint16(connection.mtu));
    }
    if (connection === undefined || !connection.connected) return error(BleLinkError.NOT_CONNECTED, 'Connect to a key first.');
    switch (op) {
      case BleLinkOp.EXCHANGE_MTU: {
        const mtu = decodeUint16(data);
        if (mtu === undefined || mtu < 23 || mtu > 517) return error(BleLinkError.BAD_LENGTH, 'EXCHANGE_MTU takes a 16-bit MTU from 23 to 517.');
        return send(BleLinkOp.MTU, encodeUint16(connection.exchangeMtu(mtu)));
      }
      case BleLinkOp.READ: {
        const which = READABLE.get(data[0] ?? 0);
        if (which === undefined || data.length !== 1) return error(BleLinkError.UNKNOWN_OP, 'READ takes characteristic 1, 2, 3 or 4.');
        return send(BleLinkOp.VALUE, Uint8Array.of(data[0] as number, ...connection.read(which)));
      }
      case BleLinkOp.WRITE_COMMAND:
      case BleLinkOp.WRITE_REQUEST:
        if (!connection.write(data)) return error(BleLinkError.BAD_LENGTH, `A control point write holds at most ${connection.fragmentSize} bytes.`);
        if (op === BleLinkOp.WRITE_REQUEST) send(BleLinkOp.WRITTEN);
        return;
      case BleLinkOp.SUBSCRIBE:
        connection.subscribe(data[0] === 1);
        return send(BleLinkOp.SUBSCRIBED, Uint8Array.of(data[0] === 1 ? 1 : 0));
      case BleLinkOp.FIDO_WRITE:
        if (!connection.writeFidoControlPoint(data))
          return error(BleLinkError.BAD_LENGTH, `A fidoControlPoint write holds at most ${connection.fragmentSize} bytes.`);
        return send(BleLinkOp.WRITTEN);
      case BleLinkOp.FIDO_SUBSCRIBE:
        connection.subscribeFidoStatus(data[0] === 1);
        return send(BleLinkOp.FIDO_SUBSCRIBED, Uint8Array.of(data[0] === 1 ? 1 : 0));
      case BleLinkOp.FIDO_SELECT_REVISION: {
        const outcome = connection.writeFidoServiceRevision(data);
        if (outcome === 'invalid-length') return error(BleLinkError.BAD_LENGTH, 'fidoServiceRevisionBitfield takes one byte.');
        if (outcome === 'value-not-allowed') return error(BleLinkError.VALUE_NOT_ALLOWED, 'Select exactly one revision the key supports.');
        return send(BleLinkOp.WRITTEN);
      }
      case BleLinkOp.DISCONNECT:
        connection.disconnect();
        socket.end();
        return;
      default:
        return error(BleLinkError.UNKNOWN_OP, `Operation 0x${op.toString(16)} is not defined.`);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch {
      error(BleLinkError.BAD_LENGTH, 'A frame length is out of range; closing the link.');
      socket.destroy();
      return;
    }
    for (const frame of frames) handle(frame.op, frame.data);
  });
  socket.on('close', () => connection?.disconnect());
  socket.on('error', () => connection?.disconnect());
}

export async function startBleLinkServer(endpoints: readonly BleEndpoint[], options: { port: number; host?: string }): Promise<BleLinkServer> {
  const host = options.host ?? LOOPBACK;
  const bySerial = new Map(endpoints.map((endpoint) => [endpoint.key.serial, endpoint]));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, bySerial);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError('BLE link', host, options.port, error)));
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  return {
    host,
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
