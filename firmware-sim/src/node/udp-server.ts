/**
 * The UDP HID endpoint (docs/protocol.md §8.1): one 64-byte HID report per datagram; replies go to the
 * sender's address and port, the convention of existing hardware-key emulators. A host application is an
 * address and port: a channel belongs to the one that allocated it.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { HidEndpoint } from '../hid/hid-endpoint.js';
import { LOOPBACK, listenError } from './listen-error.js';

export interface UdpPeer {
  readonly address: string;
  readonly port: number;
}

export interface UdpHidServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startUdpHidServer(endpoint: HidEndpoint<UdpPeer>, options: { port: number; host?: string }): Promise<UdpHidServer> {
  const host = options.host ?? LOOPBACK;
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  endpoint.attach(
    (report, peer) => socket.send(report, peer.port, peer.address),
    (a, b) => a.address === b.address && a.port === b.port,
  );
  socket.on('message', (datagram: Buffer, remote: RemoteInfo) => {
    endpoint.receive(new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength), { address: remote.address, port: remote.port });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => reject(listenError('UDP HID', host, options.port, error)));
    socket.bind(options.port, host, () => resolve());
  });
  // After binding, a send error (e.g. the peer went away) must not take the simulator down.
  socket.on('error', () => undefined);
  return {
    host,
    port: socket.address().port,
    close: () =>
      new Promise<void>((resolve) => {
        endpoint.detach();
        socket.close(() => resolve());
      }),
  };
}
