/**
 * The one transport interface every way of reaching a key implements (virtual, UDP, USB HID, BLE, WebSocket,
 * WebHID, Web Bluetooth). Its shape follows @ledgerhq/hw-transport, which many wallet developers know:
 * a static-like TransportKind lists, watches and opens devices; an open Transport exchanges whole messages.
 */
import type { BridgeError } from './errors.js';

export type TransportName = 'virtual' | 'udp' | 'hid' | 'ble' | 'ws' | 'webhid' | 'webbluetooth';

export interface DeviceDescriptor {
  /** Stable for as long as the device stays reachable the same way; what open() accepts, e.g. "udp://127.0.0.1:8111". */
  readonly id: string;
  readonly transport: TransportName;
  readonly serial?: string;
  /** For people: "Hideez Key 4", "HK-SIM-000001 (simulator)". */
  readonly name?: string;
  /** The OS path or address, when there is one. */
  readonly path?: string;
}

export type KeepaliveStatus = 'processing' | 'user-presence';

export interface ExchangeOptions {
  /**
   * Aborting a call still in the queue removes it without touching the device; aborting the running call sends
   * CANCEL and rejects with TransportError CANCELLED once the key answers or a short grace period has passed.
   * A key that had already finished, or could not stop, answers normally, and the call settles with that answer.
   */
  readonly signal?: AbortSignal;
  /**
   * Gives up after this long in total (queue time included), cancelling like `signal`, with TransportError TIMEOUT
   * (or the key's busy error, e.g. HID_CHANNEL_BUSY, when it never took the request because another application had it).
   */
  readonly timeoutMs?: number;
  /** The key is still working ('processing') or waits for its button ('user-presence'); called for every keepalive. */
  readonly onKeepalive?: (status: KeepaliveStatus) => void;
}

/**
 * The security-key side of a link: CTAPHID_CBOR and CTAPHID_MSG (docs/protocol.md §9.3), running in the same
 * queue as HKP exchanges, or MSG on the FIDO GATT service of a BLE connection (§2.12), with its own queue next to
 * the HKP service's; either way with the same keepalives, cancels and timeouts. After a cancel the key answers
 * CTAP2_ERR_KEEPALIVE_CANCEL, and the call rejects with TransportError CANCELLED (or TIMEOUT), as for HKP.
 */
export interface FidoExchange {
  /** One CTAP2 request (command byte + CBOR parameters) to its response (status byte + CBOR). */
  cbor(request: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array>;
  /** One U2F (CTAP1) command APDU to its response APDU (data + status word). */
  msg(apdu: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array>;
}

export interface Transport {
  readonly descriptor: DeviceDescriptor;
  /** Present where the link carries CTAP: HID-framed links whose key announces CBOR, BLE links to a key with the FIDO service, and the bridge's ws. */
  readonly fido?: FidoExchange;
  /**
   * Sends one whole HKP request (command byte + CBOR parameters) and resolves with the whole HKP response
   * (status byte + CBOR result). Calls run one at a time in the order they were made.
   */
  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array>;
  /** Releases the device; calls still queued or running reject with TransportError DISCONNECTED. */
  close(): Promise<void>;
  /** The device went away without close(): every pending call has been rejected with the same error. Returns an unsubscribe function. */
  on(event: 'disconnect', listener: (error: BridgeError) => void): () => void;
}

export interface DeviceChange {
  readonly type: 'add' | 'remove';
  readonly descriptor: DeviceDescriptor;
}

export interface DeviceObserver {
  next(change: DeviceChange): void;
  error?(error: unknown): void;
}

export interface Subscription {
  unsubscribe(): void;
}

/** One way of reaching keys: what is there, what comes and goes, and how to open one. */
export interface TransportKind {
  list(): Promise<DeviceDescriptor[]>;
  /** Reports every device present as 'add' first, then changes, until unsubscribed. */
  listen(observer: DeviceObserver): Subscription;
  open(descriptor: DeviceDescriptor | string): Promise<Transport>;
}
