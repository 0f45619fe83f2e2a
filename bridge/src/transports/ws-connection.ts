/**
 * A client connection to the bridge server (docs/bridge-protocol.md): requests matched to replies by id, events
 * fanned out by type. Isomorphic: the global WebSocket of browsers and Node >= 22, else the `ws` package, loaded
 * only when needed (Node 20) so browser bundles never include it. When the bridge offers the binary subprotocol
 * (bridge-binary.ts) the data path (exchanges, CTAP, raw reports, GATT writes and notifications) uses it.
 */
import {
  BRIDGE_BINARY_PROTOCOL,
  BinaryFrame,
  type DecodedServerFrame,
  decodeServerFrame,
  encodeExchangeFrame,
  encodeGattWriteFrame,
  encodeHidSendFrame,
} from '../bridge-binary.js';
import type { GattNotifying, GattWritable } from '../gatt-connection.js';
import {
  BRIDGE_PROTOCOL_VERSION,
  fromHex,
  toHex,
  type BridgeErrorBody,
  type BridgeEvent,
  type BridgeRequestType,
  type BridgeRequests,
} from '../bridge-protocol.js';
import { BridgeError, DeviceBusyError, TransportError, type TransportErrorCode } from '../errors.js';
import type { KeepaliveStatus } from '../transport.js';

/** The part of the W3C WebSocket this client uses; the `ws` package has the same shape. */
export interface WebSocketLike {
  readonly readyState: number;
  /** Set to "arraybuffer" so binary frames arrive as ArrayBuffer in browsers and Node alike. */
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface BridgeConnectionOptions {
  /** The bridge's WebSocket URL; default ws://127.0.0.1:8120/v1. */
  readonly url?: string;
  /** The token the bridge printed at start: programs need it, pages from an allowed origin do not. */
  readonly token?: string;
  /** How this program is named to users when it holds a key ("hkey CLI (pid 4242)"). */
  readonly client?: string;
  /** Default: globalThis.WebSocket, else the `ws` package. */
  readonly WebSocket?: WebSocketConstructor;
  /** How long connecting may take. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Offer the binary subprotocol (used only when the bridge selects it). Default true; false keeps JSON for everything. */
  readonly binary?: boolean;
}

/** Which request an exchange is: HKP, or CTAPHID CBOR or MSG on an hkp session. */
export type ExchangeKind = 'hkp' | 'cbor' | 'msg';
const EXCHANGE_FRAMES = { hkp: BinaryFrame.EXCHANGE, cbor: BinaryFrame.CTAP_CBOR, msg: BinaryFrame.CTAP_MSG } as const;

export const DEFAULT_BRIDGE_URL = 'ws://127.0.0.1:8120/v1';
const OPEN = 1;

type EventOf<T extends BridgeEvent['type']> = Extract<BridgeEvent, { type: T }>;

interface Pending {
  resolve(result: unknown): void;
  reject(error: BridgeError): void;
  onKeepalive?: (status: KeepaliveStatus) => void;
}

export interface RequestOptions {
  /** exchange only: aborting sends `cancel`, and the key's answer settles the call (usually CANCELLED). */
  readonly signal?: AbortSignal;
  readonly onKeepalive?: (status: KeepaliveStatus) => void;
}

export class BridgeConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(event: BridgeEvent) => void>>();
  private readonly closeListeners = new Set<(error: BridgeError) => void>();
  private readonly frameListeners = new Set<(frame: DecodedServerFrame) => void>();
  private closedWith: BridgeError | undefined;

  private constructor(
    private readonly socket: WebSocketLike,
    /** How the bridge names this connection to other clients (lease holder). */
    readonly client: string,
    /** The bridge selected the binary subprotocol: the data path travels as binary frames. */
    readonly binary: boolean,
  ) {}

  /** Connects and waits for the bridge's hello; BRIDGE_UNAVAILABLE when it cannot be reached or refuses us. */
  static async connect(options: BridgeConnectionOptions = {}): Promise<BridgeConnection> {
    const Socket = options.WebSocket ?? (await defaultWebSocket());
    const url = new URL(options.url ?? DEFAULT_BRIDGE_URL);
    const shownUrl = url.href;
    if (options.token !== undefined) url.searchParams.set('token', options.token);
    if (options.client !== undefined) url.searchParams.set('client', options.client);
    const socket = options.binary === false ? new Socket(url.href) : new Socket(url.href, [BRIDGE_BINARY_PROTOCOL]);
    // Browsers default to Blob; the `ws` package's Buffers (Uint8Arrays) are read as they are, without a copy.
    socket.binaryType = 'arraybuffer';
    const unavailable = (): BridgeError =>
      new BridgeError(
        'BRIDGE_UNAVAILABLE',
        `Could not connect to the bridge at ${shownUrl}; check that it runs, and pass its token or have it allow this page's origin.`,
      );
    return new Promise<BridgeConnection>((resolve, reject) => {
      let connection: BridgeConnection | undefined;
      const timer = setTimeout(() => {
        reject(unavailable());
        socket.close();
      }, options.connectTimeoutMs ?? 5000);
      socket.addEventListener('message', (event) => {
        if (typeof event.data !== 'string') {
          const frame = binaryFrame(event.data);
          if (frame !== undefined) connection?.onFrame(frame);
          return;
        }
        const message = parse(event.data);
        if (message === undefined) return;
        if (connection === undefined) {
          if (message.type !== 'hello') return;
          clearTimeout(timer);
          // An older bridge may echo the offered subprotocol without speaking it: only its hello says it does.
          connection = new BridgeConnection(socket, String(message.client), message.binary === BRIDGE_BINARY_PROTOCOL);
          resolve(connection);
          return;
        }
        connection.onMessage(message);
      });
      socket.addEventListener('close', () => {
        clearTimeout(timer);
        if (connection === undefined) reject(unavailable());
        else connection.lose(new TransportError('DISCONNECTED', { message: 'The connection to the bridge closed; reconnect.' }));
      });
      // Browsers report refusals as a bare error followed by close; close settles everything.
      socket.addEventListener('error', () => undefined);
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  request<T extends BridgeRequestType>(type: T, params: BridgeRequests[T]['params'], options: RequestOptions = {}): Promise<BridgeRequests[T]['result']> {
    return this.call(options, (id) => this.send({ id, type, ...params })) as Promise<BridgeRequests[T]['result']>;
  }

  /** One whole message on an hkp session: `exchange` or `ctap`, as a binary frame when the bridge speaks them. */
  exchange(kind: ExchangeKind, session: string, data: Uint8Array, timeoutMs: number | undefined, options: RequestOptions = {}): Promise<Uint8Array> {
    const timeout = timeoutMs === undefined ? undefined : Math.max(1, Math.ceil(timeoutMs));
    if (this.binary)
      return this.call(options, (id) => this.sendFrame(encodeExchangeFrame(EXCHANGE_FRAMES[kind], id, session, timeout, data))) as Promise<Uint8Array>;
    return this.exchangeJson(kind, session, data, timeout, options);
  }

  private async exchangeJson(kind: ExchangeKind, session: string, data: Uint8Array, timeout: number | undefined, options: RequestOptions): Promise<Uint8Array> {
    const params = { session, data: toHex(data), ...(timeout === undefined ? {} : { timeoutMs: timeout }) };
    const { data: hex } = kind === 'hkp' ? await this.request('exchange', params, options) : await this.request('ctap', { ...params, command: kind }, options);
    return decodeHex(hex);
  }

  async hidSend(session: string, report: Uint8Array): Promise<void> {
    if (this.binary) await this.call({}, (id) => this.sendFrame(encodeHidSendFrame(id, session, report)));
    else await this.request('hid-send', { session, report: toHex(report) });
  }

  async gattWrite(session: string, value: Uint8Array, response: boolean, characteristic: GattWritable | undefined): Promise<void> {
    if (this.binary) await this.call({}, (id) => this.sendFrame(encodeGattWriteFrame(id, session, value, response, characteristic)));
    else await this.request('gatt-write', { session, value: toHex(value), response, characteristic });
  }

  /** A session's raw HID reports, from binary frames or JSON events alike; returns an unsubscribe function. */
  onHidReport(session: string, listener: (report: Uint8Array) => void): () => void {
    const offFrames = this.onSessionFrame((frame) => {
      if (frame.type === 'hid-report' && frame.session === session) listener(frame.data);
    });
    const offEvents = this.on('hid-report', (event) => {
      if (event.session === session) listener(decodeHex(event.report));
    });
    return () => (offFrames(), offEvents());
  }

  /** A session's GATT notifications, from binary frames or JSON events alike; returns an unsubscribe function. */
  onGattNotify(session: string, listener: (value: Uint8Array, characteristic: GattNotifying) => void): () => void {
    const offFrames = this.onSessionFrame((frame) => {
      if (frame.type === 'gatt-notify' && frame.session === session) listener(frame.data, frame.characteristic);
    });
    const offEvents = this.on('gatt-notify', (event) => {
      // Bridges older than the FIDO service on this link name no characteristic: the HKP status characteristic.
      if (event.session === session) listener(decodeHex(event.value), event.characteristic ?? 'status');
    });
    return () => (offFrames(), offEvents());
  }

  private onSessionFrame(listener: (frame: DecodedServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** A request under a fresh id, sent by `transmit`; settled by the reply with that id (JSON or binary). */
  private call(options: RequestOptions, transmit: (id: number) => void): Promise<unknown> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new TransportError('CANCELLED', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      if (signal === undefined) {
        this.pending.set(id, { resolve, reject, onKeepalive: options.onKeepalive });
        return transmit(id);
      }
      const onAbort = (): void => this.send({ id: this.nextId++, type: 'cancel', request: id });
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
        onKeepalive: options.onKeepalive,
      });
      transmit(id);
    });
  }

  /** Events of one type; returns an unsubscribe function. */
  on<T extends BridgeEvent['type']>(type: T, listener: (event: EventOf<T>) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) this.listeners.set(type, (set = new Set()));
    const wrapped = listener as (event: BridgeEvent) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }

  /** The connection closed (by either side); returns an unsubscribe function. */
  onClose(listener: (error: BridgeError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.lose(new TransportError('DISCONNECTED', { message: 'This connection to the bridge is closed; connect again.' }));
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify({ v: BRIDGE_PROTOCOL_VERSION, ...message }));
  }

  private sendFrame(frame: Uint8Array): void {
    if (this.socket.readyState === OPEN) this.socket.send(frame);
  }

  private onFrame(frame: DecodedServerFrame): void {
    switch (frame.type) {
      case 'result':
      case 'error': {
        const pending = this.pending.get(frame.id);
        if (pending === undefined) return;
        this.pending.delete(frame.id);
        if (frame.type === 'result') pending.resolve(frame.data);
        else pending.reject(errorFromBody(frame.error));
        return;
      }
      case 'keepalive':
        this.pending.get(frame.id)?.onKeepalive?.(frame.status);
        return;
      default:
        for (const listener of this.frameListeners) listener(frame);
    }
  }

  private onMessage(message: Record<string, unknown>): void {
    if (message.type === 'result' || message.type === 'error') {
      const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (pending === undefined) return;
      this.pending.delete(message.id as number);
      if (message.type === 'result') pending.resolve(message.result);
      else pending.reject(errorFromBody(message.error as BridgeErrorBody));
      return;
    }
    const event = message as unknown as BridgeEvent;
    if (event.type === 'keepalive') this.pending.get(event.request as number)?.onKeepalive?.(event.status);
    for (const listener of this.listeners.get(event.type) ?? []) listener(event);
  }

  private lose(error: BridgeError): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = error;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) call.reject(error);
    this.socket.close();
    for (const listener of this.closeListeners) listener(error);
  }
}

/** A binary message as a server frame; undefined for anything malformed, which is dropped like malformed JSON. */
function binaryFrame(data: unknown): DecodedServerFrame | undefined {
  if (data instanceof ArrayBuffer) return decodeServerFrame(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return undefined;
}

/** Hex the bridge sent, as bytes; PROTOCOL_VIOLATION when it is not hex. */
export function decodeHex(hex: string): Uint8Array {
  const bytes = fromHex(hex);
  if (bytes === undefined) throw new TransportError('PROTOCOL_VIOLATION', { message: 'The bridge sent malformed bytes.' });
  return bytes;
}

function parse(data: unknown): Record<string, unknown> | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const TRANSPORT_CODES = new Set<string>(['DISCONNECTED', 'TIMEOUT', 'CANCELLED', 'NOT_FOUND', 'PERMISSION_DENIED', 'PROTOCOL_VIOLATION']);

/** The error the bridge reported, as the same class a local transport would throw. */
export function errorFromBody(body: BridgeErrorBody): BridgeError {
  if (body.code === 'DEVICE_BUSY') return new DeviceBusyError(body.holder ?? 'another application');
  if (TRANSPORT_CODES.has(body.code) || body.code.startsWith('HID_')) return new TransportError(body.code as TransportErrorCode, { message: body.message });
  return new BridgeError(body.code, body.message);
}

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global !== undefined) return global;
  // A variable specifier: browser bundlers leave this Node-only package out.
  const name = 'ws';
  const module = (await import(name)) as { WebSocket: WebSocketConstructor };
  return module.WebSocket;
}
