/**
 * A client connection to the bridge server (docs/bridge-protocol.md): requests matched to replies by id, events
 * fanned out by type. Isomorphic: the global WebSocket of browsers and Node >= 22, else the `ws` package, loaded
 * only when needed (Node 20) so browser bundles never include it.
 */
import { BRIDGE_PROTOCOL_VERSION, type BridgeErrorBody, type BridgeEvent, type BridgeRequestType, type BridgeRequests } from '../bridge-protocol.js';
import { BridgeError, DeviceBusyError, TransportError, type TransportErrorCode } from '../errors.js';
import type { KeepaliveStatus } from '../transport.js';

/** The part of the W3C WebSocket this client uses; the `ws` package has the same shape. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

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
}

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
  private closedWith: BridgeError | undefined;

  private constructor(
    private readonly socket: WebSocketLike,
    /** How the bridge names this connection to other clients (lease holder). */
    readonly client: string,
  ) {}

  /** Connects and waits for the bridge's hello; BRIDGE_UNAVAILABLE when it cannot be reached or refuses us. */
  static async connect(options: BridgeConnectionOptions = {}): Promise<BridgeConnection> {
    const Socket = options.WebSocket ?? (await defaultWebSocket());
    const url = new URL(options.url ?? DEFAULT_BRIDGE_URL);
    const shownUrl = url.href;
    if (options.token !== undefined) url.searchParams.set('token', options.token);
    if (options.client !== undefined) url.searchParams.set('client', options.client);
    const socket = new Socket(url.href);
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
        const message = parse(event.data);
        if (message === undefined) return;
        if (connection === undefined) {
          if (message.type !== 'hello') return;
          clearTimeout(timer);
          connection = new BridgeConnection(socket, String(message.client));
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
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new TransportError('CANCELLED', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => this.send({ id: this.nextId++, type: 'cancel', request: id });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result as BridgeRequests[T]['result']);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        onKeepalive: options.onKeepalive,
      });
      this.send({ id, type, ...params });
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
