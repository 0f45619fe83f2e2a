/**
 * The BLE link endpoint (docs/protocol.md §8.2): GATT operations over TCP on loopback, one TCP connection per
 * BLE connection, for host stacks tested without a radio. This side frames, scans and finds the key; the session
 * with the key runs where the key lives (ble-link-session.ts), in this thread or a worker's.
 */
import { createServer, type Socket } from 'node:net';
import { BleLinkError, BleLinkFrameReader, BleLinkOp, encodeAdvertisements, encodeBleLinkFrame } from '@hkey/protocol';
import { sendBleLinkError } from './ble-link-session.js';
import type { BleLinkSession, BleLinkSink, KeyFleet } from './key-fleet.js';
import { LOOPBACK, listenError } from './listen-error.js';

export interface BleLinkServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The keys behind the link: their serials, and a session with one of them wherever it runs. */
export type BleLinkKeys = Pick<KeyFleet, 'serials' | 'openBleLink'>;

const text = new TextDecoder();

function serve(socket: Socket, keys: BleLinkKeys, serials: ReadonlySet<string>): void {
  const reader = new BleLinkFrameReader();
  let session: BleLinkSession | undefined;
  const sink: BleLinkSink = {
    send: (op, data) => {
      if (!socket.destroyed) socket.write(encodeBleLinkFrame(op, data));
    },
    end: () => socket.end(),
  };

  const handle = (op: number, data: Uint8Array): void => {
    if (op === BleLinkOp.SCAN) return sink.send(BleLinkOp.ADVERTISEMENTS, encodeAdvertisements([...keys.serials]));
    if (session !== undefined) return session.frame(op, data);
    if (op !== BleLinkOp.CONNECT) return sendBleLinkError(sink, BleLinkError.NOT_CONNECTED, 'Connect to a key first.');
    const serial = text.decode(data);
    if (!serials.has(serial)) return sendBleLinkError(sink, BleLinkError.NO_SUCH_KEY, 'No key advertises that serial.');
    session = keys.openBleLink(serial, sink);
    session.frame(op, data);
  };

  socket.on('data', (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch {
      sendBleLinkError(sink, BleLinkError.BAD_LENGTH, 'A frame length is out of range; closing the link.');
      socket.destroy();
      return;
    }
    for (const frame of frames) handle(frame.op, frame.data);
  });
  socket.on('close', () => session?.close());
  socket.on('error', () => session?.close());
}

export async function startBleLinkServer(keys: BleLinkKeys, options: { port: number; host?: string }): Promise<BleLinkServer> {
  const host = options.host ?? LOOPBACK;
  const serials = new Set(keys.serials);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, keys, serials);
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
