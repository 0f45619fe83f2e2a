/**
 * Errors of the bridge. Every one is a BridgeError (an HkeyError) with a stable string `code`: codes are
 * public API and are never renamed once shipped. Messages are one sentence, name the next step where there
 * is one, and never contain parameter values (PINs, names, passwords). They name no command of a particular
 * program, as pages show them too: a program adds its own commands by code (the CLI's cli-error.ts).
 *
 * Two codes are shared on purpose between a device status and a transport condition because they mean
 * the same thing to a caller: CANCELLED (the key answered 0x43, or the host gave up after a CANCEL) and
 * DEVICE_BUSY (the key serves another session, or another owner holds the lease). `instanceof` tells
 * them apart when that matters.
 */
import { BleError, type BleErrorName, type ErrorDetailsOf, HidError, type HidErrorName, HkeyError, Status, type StatusName } from '@hkey/protocol';

export class BridgeError extends HkeyError {}

/** Every HKP status but OK: the code of a DeviceStatusError is the status name. */
export type DeviceStatusName = Exclude<StatusName, 'OK'>;

const CALLER_BUG = 'please report this bug in the calling code or the bridge.';

/** Keyed by every status name, so a new status in the protocol table fails to compile until it has a message. */
const DEVICE_STATUS_MESSAGES: Readonly<Record<DeviceStatusName, string>> = {
  INVALID_COMMAND: 'The key does not know this command; update its firmware.',
  INVALID_LENGTH: `The key rejected the message length; ${CALLER_BUG}`,
  CBOR_MALFORMED: `The key could not parse the request's CBOR; ${CALLER_BUG}`,
  CBOR_TRAILING_BYTES: `The key found bytes after the request's parameters; ${CALLER_BUG}`,
  CBOR_NOT_CANONICAL: `The key rejected non-canonical CBOR in the request; ${CALLER_BUG}`,
  CBOR_INDEFINITE_LENGTH: `The key rejected an indefinite-length CBOR item; ${CALLER_BUG}`,
  CBOR_DUPLICATE_KEY: `The key rejected a duplicate CBOR map key; ${CALLER_BUG}`,
  CBOR_UNSORTED_KEYS: `The key rejected unsorted CBOR map keys; ${CALLER_BUG}`,
  CBOR_TAG_NOT_ALLOWED: `The key rejected a CBOR tag; ${CALLER_BUG}`,
  CBOR_FLOAT_NOT_ALLOWED: `The key rejected a floating-point number; ${CALLER_BUG}`,
  CBOR_SIMPLE_NOT_ALLOWED: `The key rejected a CBOR simple value; ${CALLER_BUG}`,
  CBOR_TOO_DEEP: `The key rejected CBOR nested too deeply; ${CALLER_BUG}`,
  CBOR_LIMIT_EXCEEDED: 'A value is larger than the key accepts; shorten it and try again.',
  CBOR_INVALID_UTF8: `The key rejected text that is not valid UTF-8; ${CALLER_BUG}`,
  CBOR_INVALID_KEY: `The key rejected a CBOR map key; ${CALLER_BUG}`,
  CBOR_NOT_A_MAP: `The key expected a parameter map; ${CALLER_BUG}`,
  MISSING_PARAMETER: 'The key is missing a required parameter; supply it and try again.',
  INVALID_PARAMETER: 'The key rejected a parameter as malformed or out of range; check the values and try again.',
  UNKNOWN_PARAMETER: 'The key does not know one of the parameters; update its firmware or drop the parameter.',
  PIN_REQUIRED: 'The key is locked: verify the PIN first.',
  PIN_INVALID: 'Wrong PIN; check it and try again.',
  PIN_BLOCKED: 'PIN blocked: only a wipe can reset this key.',
  PIN_POLICY_VIOLATION: 'A new PIN must be 4 to 8 digits.',
  PIN_NOT_SET: 'This key has no PIN; set one first.',
  PIN_ALREADY_SET: 'This key already has a PIN; change it instead.',
  PIN_EXPIRED: "The PIN is older than the issuer's policy allows; change it.",
  USER_PRESENCE_DENIED: 'The request was declined on the key.',
  USER_PRESENCE_TIMEOUT: "Nobody pressed the key's button in time; try again and press it when it blinks.",
  USER_PRESENCE_HOLD_TOO_SHORT: 'The button was released too early; hold it for the full 10 seconds.',
  CANCELLED: 'The request was cancelled.',
  ACCOUNT_NOT_FOUND: 'No such account on the key; list the accounts to find its id.',
  ACCOUNT_READ_ONLY: 'The account is read-only; clear its read-only flag on the key first.',
  ACCOUNT_NAME_TAKEN: 'Another account already has this name; pick another name.',
  NO_OTP: 'The account has no OTP credential; add one first.',
  NO_PASSWORD: 'The account has no password.',
  STORAGE_FULL: 'The key is full; delete accounts to make room.',
  OTP_COUNTER_EXHAUSTED: "The account's HOTP counter is used up; give it a new OTP secret.",
  DEVICE_BUSY: 'The key is serving another connection; try again in a moment.',
  BATTERY_EMPTY: "The key's battery is empty; charge it and try again.",
  STORAGE_FAILURE: 'The key could not write its storage and changed nothing; try again, and replace the key if it keeps failing.',
  SEALED_MALFORMED: 'The sealed item is malformed; ask the issuer to seal it again.',
  SEALED_WRONG_KEY: 'The sealed item was sealed for another key; relay it to the key its serial names.',
  SEALED_WRONG_ISSUER: 'The sealed item comes from an issuer this key does not obey; enroll the issuer first.',
  SEALED_BAD_SIGNATURE: "The issuer's signature over the sealed item does not verify: it was altered on the way.",
  SEALED_EXPIRED: 'The sealed item has expired; ask the issuer for a new one.',
  SEALED_REPLAY: 'The key already applied this sealed item.',
  SEALED_OUT_OF_ORDER: 'The sealed item skips a sequence number; relay the items before it first.',
  SEALED_BAD_CIPHERTEXT: 'The sealed item does not decrypt on this key: it was altered on the way.',
  ISSUER_MISMATCH: "Another issuer owns this key; the owner's handover signature or a wipe is needed.",
  LIFECYCLE_FORBIDS: "The key's lifecycle state (locked, suspended, deactivated or compromised) does not allow this.",
  OTHER: 'The key reported an unexpected error; try again or power-cycle it.',
};

/** The key answered with an HKP status other than OK (docs/protocol.md §3.5); `code` is the status name. */
export class DeviceStatusError<S extends DeviceStatusName = DeviceStatusName> extends BridgeError {
  declare readonly code: S;
  /** The status name, as in protocol's Status table. */
  readonly status: S;
  /** The status byte on the wire. */
  readonly statusByte: number;
  /** The details map of statuses that carry one (PIN_INVALID: retries; STORAGE_FULL: needed, free). */
  readonly details: ErrorDetailsOf<S> | undefined;

  constructor(status: S, details?: ErrorDetailsOf<S>) {
    super(status, deviceStatusMessage(status, details));
    this.status = status;
    this.statusByte = Status[status];
    this.details = details;
  }
}

function deviceStatusMessage(status: DeviceStatusName, details: unknown): string {
  if (status === 'PIN_INVALID' && details !== undefined) {
    const { retries } = details as ErrorDetailsOf<'PIN_INVALID'>;
    if (retries === 0) return 'Wrong PIN, and no attempts are left: the key is now blocked and only a wipe can reset it.';
    return `Wrong PIN: ${retries} ${retries === 1 ? 'attempt' : 'attempts'} left before the key blocks.`;
  }
  if (status === 'STORAGE_FULL' && details !== undefined) {
    const { needed, free } = details as ErrorDetailsOf<'STORAGE_FULL'>;
    return `The key is full (the change needs ${needed} bytes, ${free} are free); delete accounts to make room.`;
  }
  return DEVICE_STATUS_MESSAGES[status];
}

/** Narrows an unknown error to a DeviceStatusError of one status, typing its details. */
export function isDeviceStatus<S extends DeviceStatusName>(error: unknown, status: S): error is DeviceStatusError<S> {
  return error instanceof DeviceStatusError && error.status === status;
}

/** A CTAPHID ERROR code as a TransportError code: HID_INVALID_CMD, HID_CHANNEL_BUSY, … */
export type HidTransportErrorCode = `HID_${HidErrorName}`;

/** A FIDO-BLE-style ERROR code as a TransportError code: BLE_INVALID_CMD, BLE_BUSY, … */
export type BleTransportErrorCode = `BLE_${BleErrorName}`;

export type TransportErrorCode =
  | HidTransportErrorCode
  | BleTransportErrorCode
  | 'DISCONNECTED'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'DEVICE_BUSY'
  | 'PROTOCOL_VIOLATION';

/** Keyed by every code, so a new CTAPHID error in the protocol table fails to compile until it has a message. */
const TRANSPORT_MESSAGES: Readonly<Record<TransportErrorCode, string>> = {
  HID_INVALID_CMD: 'The key does not support this HID command.',
  HID_INVALID_PAR: 'The key rejected a HID command parameter.',
  HID_INVALID_LEN: 'The key rejected the HID message length.',
  HID_INVALID_SEQ: 'The key saw HID packets out of order; check the connection and try again.',
  HID_MSG_TIMEOUT: 'The key gave up waiting for the rest of a HID message; check the connection and try again.',
  HID_CHANNEL_BUSY: 'The key is busy with another application; try again in a moment.',
  HID_LOCK_REQUIRED: 'Another application has locked the key; try again when it releases it.',
  HID_INVALID_CHANNEL: 'The key no longer knows this connection; open it again.',
  HID_OTHER: 'The key reported an unexpected HID error; reconnect it and try again.',
  BLE_INVALID_CMD: 'The key does not support this Bluetooth command.',
  BLE_INVALID_PAR: 'The key rejected a Bluetooth command parameter.',
  BLE_INVALID_LEN: 'The key rejected the Bluetooth message length.',
  BLE_INVALID_SEQ: 'The key saw Bluetooth fragments out of order; check the connection and try again.',
  BLE_REQ_TIMEOUT: 'The key gave up waiting for the rest of a Bluetooth message; check the connection and try again.',
  BLE_BUSY: 'The key is still working on an earlier request of this Bluetooth connection; try again in a moment.',
  BLE_OTHER: 'The key reported an unexpected Bluetooth error; reconnect it and try again.',
  DISCONNECTED: 'The key was disconnected; reconnect it and open it again.',
  TIMEOUT: 'The key did not answer in time; check that it is connected and try again.',
  CANCELLED: 'The request was cancelled.',
  NOT_FOUND: 'No key answers at this address; start the key or its simulator, or check the address.',
  PERMISSION_DENIED: 'The system denied access to the key; check its device permissions (udev rules on Linux).',
  DEVICE_BUSY: 'The key is in use by another application; close it there or wait until it lets go.',
  PROTOCOL_VIOLATION: 'The key sent a malformed response; reconnect it, and report the problem if it persists.',
};

/** A problem below the HKP message layer: the link, the CTAPHID framing, a lease, a timeout or a cancellation. */
export class TransportError extends BridgeError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, options?: { cause?: unknown; message?: string }) {
    super(code, options?.message ?? TRANSPORT_MESSAGES[code], options);
  }
}

/** The key answered CTAPHID ERROR (docs/protocol.md §1.10); `hidError` is the raw code byte. */
export class HidTransportError extends TransportError {
  declare readonly code: HidTransportErrorCode;
  readonly hidError: number;

  constructor(hidError: number) {
    super(`HID_${hidErrorName(hidError)}`);
    this.hidError = hidError;
  }
}

/** The key answered BLE ERROR (docs/protocol.md §2.8); `bleError` is the raw code byte. */
export class BleTransportError extends TransportError {
  declare readonly code: BleTransportErrorCode;
  readonly bleError: number;

  constructor(bleError: number) {
    super(`BLE_${BLE_ERROR_NAMES.get(bleError) ?? 'OTHER'}`);
    this.bleError = bleError;
  }
}

const BLE_ERROR_NAMES = new Map<number, BleErrorName>((Object.keys(BleError) as BleErrorName[]).map((name) => [BleError[name], name]));

/** Another owner holds the key's lease; `holder` names it so the user knows what to close. */
export class DeviceBusyError extends TransportError {
  declare readonly code: 'DEVICE_BUSY';
  readonly holder: string;

  constructor(holder: string) {
    super('DEVICE_BUSY', { message: `The key is in use by ${holder}; close it there or wait until it lets go.` });
    this.holder = holder;
  }
}

const HID_ERROR_NAMES = new Map<number, HidErrorName>((Object.keys(HidError) as HidErrorName[]).map((name) => [HidError[name], name]));

/** Codes outside the CTAPHID table are reported as OTHER (CTAP 2.x ERR_OTHER), the raw byte kept in `hidError`. */
function hidErrorName(code: number): HidErrorName {
  return HID_ERROR_NAMES.get(code) ?? 'OTHER';
}
