/**
 * FIDO-BLE-style framing constants for HKP/1 over Bluetooth Low Energy (docs/protocol.md §2).
 * Command and error values follow CTAP 2.x §11.4; MSG carries HKP messages.
 */

/** Same limit as HID, so one HKP message always fits both transports (§2.4). */
export const BLE_MAX_MESSAGE_SIZE = 7609;
/** Header of an initialization fragment: CMD(1) HLEN(1) LLEN(1) (§2.4). */
export const BLE_INIT_HEADER_SIZE = 3;
/** Header of a continuation fragment: SEQ(1) (§2.4). */
export const BLE_CONT_HEADER_SIZE = 1;
/** SEQ counts 0..0x7F and wraps to 0 (§2.4). */
export const BLE_MAX_SEQ = 0x7f;
/** Bit 7 of byte 0 marks an initialization fragment; continuation SEQ values keep it clear. */
export const BLE_INIT_BIT = 0x80;

/** ATT_MTU range (Bluetooth Core, ATT); 23 until the client exchanges a larger one (§2.3). */
export const BLE_DEFAULT_ATT_MTU = 23;
export const BLE_MAX_ATT_MTU = 517;
/** Bytes of an ATT write or notification that are not attribute value: opcode(1) handle(2). */
export const BLE_ATT_HEADER_SIZE = 3;
/** Range of the control point length characteristic (§2.2). */
export const BLE_MIN_CONTROL_POINT_LENGTH = 20;
export const BLE_MAX_CONTROL_POINT_LENGTH = 512;

/** Longest gap between two fragments of one message before REQ_TIMEOUT (§2.10). */
export const BLE_DEFAULT_FRAGMENT_TIMEOUT_MS = 2000;

/** Command bytes, initialization bit included as in FIDO BLE (§2.5). */
export const BleCommand = {
  PING: 0x81,
  KEEPALIVE: 0x82,
  MSG: 0x83,
  CANCEL: 0xbe,
  ERROR: 0xbf,
} as const;
export type BleCommandName = keyof typeof BleCommand;

/** The one-byte payload of ERROR (§2.8). */
export const BleError = {
  INVALID_CMD: 0x01,
  INVALID_PAR: 0x02,
  INVALID_LEN: 0x03,
  INVALID_SEQ: 0x04,
  REQ_TIMEOUT: 0x05,
  BUSY: 0x06,
  OTHER: 0x7f,
} as const;
export type BleErrorName = keyof typeof BleError;
export type BleErrorCode = (typeof BleError)[BleErrorName];

/** The one-byte payload of KEEPALIVE (§2.6). */
export const BleKeepaliveStatus = {
  PROCESSING: 0x01,
  UP_NEEDED: 0x02,
} as const;
