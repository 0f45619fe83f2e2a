/**
 * One connection to a key's GATT server at the level of GATT operations, below the BLE framing: the HKP service
 * (docs/protocol.md §2.2) and, on a security key, the FIDO service (§2.12). Every BLE stack provides one (the
 * simulator's BLE link, noble, Web Bluetooth, a GATT server in process, the bridge server's "gatt" link);
 * BleChannel frames messages over it, and the Web Bluetooth shim hands it to a page, which frames them itself.
 */
import { BLE_ATT_HEADER_SIZE } from '@hkey/protocol';
import { BridgeError, TransportError } from './errors.js';

/** A GATT service of the key: the HKP service (§2.2) or the FIDO service (§2.12). */
export type BleService = 'hkp' | 'fido';

/** The readable characteristics: the HKP service's two, then the FIDO service's two. */
export type GattReadable = 'control-point-length' | 'service-revision' | 'fido-control-point-length' | 'fido-service-revision-bitfield';

/** The writable characteristics: the control points, and fidoServiceRevisionBitfield, where a host selects a revision. */
export type GattWritable = 'control-point' | 'fido-control-point' | 'fido-service-revision-bitfield';

/** The characteristics that notify: the HKP status characteristic and fidoStatus. */
export type GattNotifying = 'status' | 'fido-status';

export interface GattConnection {
  /** The key's primary services: always 'hkp', and 'fido' when it is a security key too. */
  readonly services: readonly BleService[];
  /** The ATT_MTU in force: 23 until an exchange raises it. Already updated when onMtuChange listeners run. */
  readonly mtu: number;
  /** ATT Exchange MTU, as a host stack does after connecting; resolves with the ATT_MTU in force (§2.3). */
  exchangeMtu(clientMtu: number): Promise<number>;
  read(characteristic: GattReadable): Promise<Uint8Array>;
  /**
   * One write, to the HKP control point unless `characteristic` says otherwise. With a response (Write Request) it
   * rejects with GATT_INVALID_LENGTH when the key refuses the value; without (Write Command) a value the key
   * refuses is dropped, as on air. Stacks that check the ATT_MTU reject a longer value with GATT_WRITE_TOO_LONG.
   */
  write(value: Uint8Array, withResponse: boolean, characteristic?: GattWritable): Promise<void>;
  /** Enables or disables notifications (the CCCD) of the HKP status characteristic unless `characteristic` says otherwise. */
  subscribe(enable: boolean, characteristic?: GattNotifying): Promise<void>;
  /** Every notification, with the characteristic it came from; returns an unsubscribe function. */
  onNotify(listener: (value: Uint8Array, characteristic: GattNotifying) => void): () => void;
  /** The key or the link dropped the connection; returns an unsubscribe function. */
  onDisconnect(listener: (reason: string) => void): () => void;
  /** ATT_MTU changed during the connection, on stacks that report it. */
  onMtuChange?(listener: (mtu: number) => void): () => void;
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

/** The key refused a Write Request: for a control point, a value longer than its control point length (§2.3). */
export function keyRefusedWrite(cause?: unknown): BridgeError {
  return new BridgeError(
    'GATT_INVALID_LENGTH',
    'The key refused the write: longer than its control point length (ATT error 0x0D).',
    cause === undefined ? undefined : { cause },
  );
}

/** The key refused a fidoServiceRevisionBitfield write: not exactly one revision it supports (ATT error 0x13). */
export function keyRefusedValue(cause?: unknown): BridgeError {
  return new BridgeError(
    'GATT_VALUE_NOT_ALLOWED',
    'The key refused the value: select exactly one revision it supports (ATT error 0x13).',
    cause === undefined ? undefined : { cause },
  );
}

/** A GATT operation on a connection that is closed. */
export function connectionClosed(): TransportError {
  return new TransportError('DISCONNECTED', { message: 'The BLE connection to the key is closed; connect again.' });
}
