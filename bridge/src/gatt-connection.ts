/**
 * One connection to a key's HKP GATT service (docs/protocol.md §2.2) at the level of GATT operations, below the
 * BLE framing: what the Web Bluetooth shim and the bridge server's "gatt" link hand to a page, which frames
 * messages itself. The simulator's BLE endpoint, the bridge server and a real BLE stack can all provide one.
 */
import { BLE_ATT_HEADER_SIZE } from '@hkey/protocol';
import { BridgeError, TransportError } from './errors.js';

/** The readable characteristics of the HKP service. */
export type GattReadable = 'control-point-length' | 'service-revision';

export interface GattConnection {
  /** ATT Exchange MTU, as a host stack does after connecting; resolves with the ATT_MTU in force (§2.3). */
  exchangeMtu(clientMtu: number): Promise<number>;
  read(characteristic: GattReadable): Promise<Uint8Array>;
  /**
   * One control point write. With a response (Write Request) it rejects when the key refuses the value;
   * without (Write Command) a value the key refuses is dropped, as on air. Rejects when the value does not fit
   * the ATT_MTU, as a host stack does before sending.
   */
  write(value: Uint8Array, withResponse: boolean): Promise<void>;
  /** Enables or disables notifications of the status characteristic (its CCCD). */
  subscribe(enable: boolean): Promise<void>;
  /** Every status notification; returns an unsubscribe function. */
  onNotify(listener: (value: Uint8Array) => void): () => void;
  /** The key or the link dropped the connection; returns an unsubscribe function. */
  onDisconnect(listener: (reason: string) => void): () => void;
  /** The host disconnects; no disconnect listener is called. */
  close(): Promise<void>;
}

/**
 * A host stack refuses a write longer than ATT_MTU − 3 before sending it; GATT_WRITE_TOO_LONG, or undefined when
 * the value fits.
 */
export function writeTooLong(value: Uint8Array, mtu: number): BridgeError | undefined {
  const room = mtu - BLE_ATT_HEADER_SIZE;
  return value.length > room ? new BridgeError('GATT_WRITE_TOO_LONG', `A value holds at most ${room} bytes at this ATT_MTU.`) : undefined;
}

/** The key refused a Write Request: for an HKP key, a value longer than its control point length (§2.3). */
export function keyRefusedWrite(cause?: unknown): BridgeError {
  return new BridgeError('GATT_INVALID_LENGTH', 'The key refused the write: longer than its control point length (ATT error 0x0D).', cause === undefined ? undefined : { cause });
}

/** A GATT operation on a connection that is closed. */
export function connectionClosed(): TransportError {
  return new TransportError('DISCONNECTED', { message: 'The BLE connection to the key is closed; connect again.' });
}
