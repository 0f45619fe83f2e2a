/**
 * Keys behind a bridge server (`hkey bridge`), over its WebSocket: the same TransportKind as local keys, in Node
 * and in browsers. Each open() is its own connection and lease, closed with the transport, so nothing lingers.
 */
import type { BridgeDevice } from '../bridge-protocol.js';
import { type BridgeError, TransportError } from '../errors.js';
import type { DeviceDescriptor, DeviceObserver, ExchangeOptions, FidoExchange, Subscription, Transport, TransportKind } from '../transport.js';
import { BridgeConnection, type BridgeConnectionOptions } from './ws-connection.js';

export type WsTransportOptions = BridgeConnectionOptions;

/** How a key behind the bridge is described here: its bridge id, reached over "ws". */
export function wsDescriptor(device: BridgeDevice): DeviceDescriptor {
  return { id: device.id, transport: 'ws', name: device.name, serial: device.serial, path: device.path };
}

export class WsTransportKind implements TransportKind {
  constructor(private readonly options: WsTransportOptions = {}) {}

  async list(): Promise<DeviceDescriptor[]> {
    const connection = await BridgeConnection.connect(this.options);
    try {
      return (await connection.request('list', {})).devices.map(wsDescriptor);
    } finally {
      connection.close();
    }
  }

  /** Keys as the bridge reports them, until unsubscribed or the bridge goes away (then observer.error). */
  listen(observer: DeviceObserver): Subscription {
    let connection: BridgeConnection | undefined;
    let stopped = false;
    void (async () => {
      try {
        connection = await BridgeConnection.connect(this.options);
        if (stopped) return connection.close();
        connection.on('device-added', ({ device }) => observer.next({ type: 'add', descriptor: wsDescriptor(device) }));
        connection.on('device-removed', ({ device }) => observer.next({ type: 'remove', descriptor: wsDescriptor(device) }));
        connection.onClose((error) => {
          if (!stopped) observer.error?.(error);
        });
        for (const device of (await connection.request('watch', {})).devices) observer.next({ type: 'add', descriptor: wsDescriptor(device) });
      } catch (error) {
        if (!stopped) observer.error?.(error);
      }
    })();
    return {
      unsubscribe: () => {
        stopped = true;
        connection?.close();
      },
    };
  }

  /** Leases the key: DEVICE_BUSY (DeviceBusyError naming the holder) while another client has it. */
  async open(descriptor: DeviceDescriptor | string): Promise<WsTransport> {
    const id = typeof descriptor === 'string' ? descriptor : descriptor.id;
    const connection = await BridgeConnection.connect(this.options);
    try {
      const { session, device } = await connection.request('acquire', { device: id, link: 'hkp' });
      return new WsTransport(wsDescriptor(device), connection, session);
    } catch (error) {
      connection.close();
      throw error;
    }
  }
}

export class WsTransport implements Transport {
  private readonly disconnectListeners = new Set<(error: BridgeError) => void>();
  private ended = false;

  constructor(
    readonly descriptor: DeviceDescriptor,
    private readonly connection: BridgeConnection,
    /** The lease token: proof of holding the key on the bridge. */
    readonly session: string,
  ) {
    connection.on('session-ended', (event) => {
      if (event.session !== session) return;
      this.end(new TransportError('DISCONNECTED', { message: event.error.message }));
    });
    connection.onClose((error) => this.end(error));
  }

  /**
   * CTAPHID CBOR and MSG through the bridge's `ctap` request. Always present: whether the key behind the bridge
   * speaks CTAP shows at the first call (BridgeError FIDO_UNSUPPORTED when it does not).
   */
  readonly fido: FidoExchange = {
    cbor: (request, options) => this.send(request, options, 'cbor'),
    msg: (apdu, options) => this.send(apdu, options, 'msg'),
  };

  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.send(message, options);
  }

  /** An HKP exchange, or with `ctap` a CTAPHID CBOR or MSG one. */
  private send(message: Uint8Array, options: ExchangeOptions = {}, ctap?: 'cbor' | 'msg'): Promise<Uint8Array> {
    return this.connection.exchange(ctap ?? 'hkp', this.session, message, options.timeoutMs, { signal: options.signal, onKeepalive: options.onKeepalive });
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Closing the connection releases the lease on the bridge too; release first so the key is free at once.
    await this.connection.request('release', { session: this.session }).catch(() => undefined);
    this.connection.close();
  }

  on(_event: 'disconnect', listener: (error: BridgeError) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  private end(error: BridgeError): void {
    if (this.ended) return;
    this.ended = true;
    this.connection.close();
    for (const listener of this.disconnectListeners) listener(error);
  }
}
