/**
 * The simulator's UDP HID endpoint (docs/protocol.md §8.1), Node only: one 64-byte report per datagram,
 * addressed as udp://host:port (default udp://127.0.0.1:8111). Only the Node entry imports this file.
 */
import { createSocket } from 'node:dgram';
import { pollDevices } from '../device-poller.js';
import { BridgeError, HidTransportError, TransportError } from '../errors.js';
import type { HidChannelOptions } from '../hid-channel.js';
import type { HidReportPort } from '../hid-report-port.js';
import { HidTransport } from '../hid-transport.js';
import type { DeviceDescriptor, DeviceObserver, Subscription, TransportKind } from '../transport.js';

export const DEFAULT_UDP_HOST = '127.0.0.1';
export const DEFAULT_UDP_PORT = 8111;

export interface UdpTransportOptions extends HidChannelOptions {
  /** The addresses list() probes; default udp://127.0.0.1:8111. */
  readonly addresses?: readonly string[];
  /** How long list() waits for each address to answer INIT. Default 300 ms. */
  readonly probeTimeoutMs?: number;
  /** How long open() waits for INIT before NOT_FOUND. Default 2 s. */
  readonly openTimeoutMs?: number;
  /** How often listen() probes again. Default 1 s. */
  readonly pollIntervalMs?: number;
}

export interface UdpAddress {
  readonly host: string;
  readonly port: number;
}

/** Reads udp://host:port ("udp://[::1]:8111" for IPv6; the port defaults to 8111). Throws NOT_FOUND for anything else. */
export function parseUdpAddress(address: string): UdpAddress {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  const port = url?.port === '' ? DEFAULT_UDP_PORT : Number(url?.port);
  if (url === undefined || url.protocol !== 'udp:' || url.hostname === '' || url.pathname !== '' || !(port > 0)) {
    throw new TransportError('NOT_FOUND', { message: 'A UDP key address looks like udp://127.0.0.1:8111.' });
  }
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

export function formatUdpAddress({ host, port }: UdpAddress): string {
  return `udp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function udpDescriptor(address: UdpAddress): DeviceDescriptor {
  const id = formatUdpAddress(address);
  return { id, transport: 'udp', path: id, name: 'Hideez Key over UDP' };
}

/**
 * A connected UDP socket as a report port. Connecting filters out datagrams from other senders and lets the
 * OS report an unreachable port (ICMP) as an error, which closes the port.
 */
export async function connectUdpReportPort({ host, port }: UdpAddress): Promise<HidReportPort> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const closeListeners = new Set<(cause?: unknown) => void>();
  let open = true;
  const closeSocket = (): Promise<void> =>
    new Promise((resolve) => {
      if (!open) return resolve();
      open = false;
      socket.close(() => resolve());
    });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await closeSocket();
    throw new TransportError('NOT_FOUND', { cause: error });
  });
  socket.on('error', (error) => {
    void closeSocket();
    for (const listener of closeListeners) listener(error);
  });
  return {
    send(report) {
      socket.send(report);
    },
    onReport(listener) {
      const onMessage = (datagram: Buffer): void => listener(new Uint8Array(datagram.buffer, datagram.byteOffset, datagram.byteLength));
      socket.on('message', onMessage);
      return () => socket.off('message', onMessage);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close: closeSocket,
  };
}

export class UdpTransportKind implements TransportKind {
  private readonly addresses: readonly UdpAddress[];

  constructor(private readonly options: UdpTransportOptions = {}) {
    this.addresses = (options.addresses ?? [formatUdpAddress({ host: DEFAULT_UDP_HOST, port: DEFAULT_UDP_PORT })]).map(parseUdpAddress);
  }

  /** The configured addresses whose key answers INIT. */
  async list(): Promise<DeviceDescriptor[]> {
    const probes = this.addresses.map(async (address) => {
      try {
        await (await this.connect(address, this.options.probeTimeoutMs ?? 300)).close();
        return udpDescriptor(address);
      } catch (error) {
        // A key busy with another host still answered; silence is the answer "no key here".
        return error instanceof HidTransportError ? udpDescriptor(address) : undefined;
      }
    });
    return (await Promise.all(probes)).filter((descriptor) => descriptor !== undefined);
  }

  /** Probes every pollIntervalMs and reports keys that start or stop answering. */
  listen(observer: DeviceObserver): Subscription {
    return pollDevices(() => this.list(), observer, this.options.pollIntervalMs ?? 1000);
  }

  async open(descriptor: DeviceDescriptor | string): Promise<HidTransport> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    return this.connect(parseUdpAddress(id), this.options.openTimeoutMs ?? 2000);
  }

  private async connect(address: UdpAddress, timeoutMs: number): Promise<HidTransport> {
    const port = await connectUdpReportPort(address);
    try {
      return await HidTransport.open(udpDescriptor(address), port, { ...this.options, timeoutMs });
    } catch (error) {
      // No answer, or the OS says nothing listens there: both mean no key at this address.
      if (error instanceof BridgeError && (error.code === 'TIMEOUT' || error.code === 'DISCONNECTED')) {
        throw new TransportError('NOT_FOUND', { cause: error });
      }
      throw error;
    }
  }
}
