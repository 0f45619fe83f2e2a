import { FramingError } from '../errors.js';
import {
  BLE_CONT_HEADER_SIZE,
  BLE_INIT_BIT,
  BLE_INIT_HEADER_SIZE,
  BLE_MAX_CONTROL_POINT_LENGTH,
  BLE_MAX_MESSAGE_SIZE,
  BLE_MAX_SEQ,
  BLE_MIN_CONTROL_POINT_LENGTH,
  BleError,
} from './constants.js';
import { isControlPointLength } from './fragment-size.js';

/** How many fragments of `fragmentSize` bytes carry a message of `length` bytes (docs/protocol.md §2.4). */
export function bleFragmentCount(length: number, fragmentSize: number): number {
  const first = fragmentSize - BLE_INIT_HEADER_SIZE;
  return length <= first ? 1 : 1 + Math.ceil((length - first) / (fragmentSize - BLE_CONT_HEADER_SIZE));
}

/**
 * Splits one message into fragments (docs/protocol.md §2.4): CMD HLEN LLEN DATA, then SEQ DATA with SEQ
 * 0..0x7F wrapping to 0. Every fragment but the last is exactly `fragmentSize` bytes; the last is not
 * padded. The fragments are views of one allocation. `cmd` includes bit 7 (BleCommand). Throws
 * FramingError for a command below 0x80, a fragment size outside 20..512 or a payload over 7609 bytes.
 */
export function encodeBleMessage(cmd: number, payload: Uint8Array, fragmentSize: number): Uint8Array[] {
  if (!Number.isInteger(cmd) || cmd < BLE_INIT_BIT || cmd > 0xff) {
    throw new FramingError('BLE_INVALID_COMMAND', BleError.INVALID_CMD, 'The BLE command must be an integer from 0x80 to 0xFF.');
  }
  if (!isControlPointLength(fragmentSize)) {
    throw new FramingError(
      'BLE_INVALID_FRAGMENT_SIZE',
      BleError.INVALID_PAR,
      `The fragment size must be an integer from ${BLE_MIN_CONTROL_POINT_LENGTH} to ${BLE_MAX_CONTROL_POINT_LENGTH}.`,
    );
  }
  const length = payload.length;
  if (length > BLE_MAX_MESSAGE_SIZE) {
    throw new FramingError('BLE_MESSAGE_TOO_LONG', BleError.INVALID_LEN, `A BLE message holds at most ${BLE_MAX_MESSAGE_SIZE} bytes.`);
  }
  const count = bleFragmentCount(length, fragmentSize);
  const buffer = new Uint8Array(BLE_INIT_HEADER_SIZE + (count - 1) * BLE_CONT_HEADER_SIZE + length);
  // As for HID (hid/encode.ts): one copy of the payload, then each continuation's share slides right
  // by one byte per continuation before it, last first, to open room for its SEQ byte.
  buffer.set(payload, BLE_INIT_HEADER_SIZE);
  const shareSize = fragmentSize - BLE_CONT_HEADER_SIZE;
  for (let index = count - 1; index >= 1; index--) {
    const from = fragmentSize + (index - 1) * shareSize;
    buffer.copyWithin(from + index, from, Math.min(from + shareSize, BLE_INIT_HEADER_SIZE + length));
  }

  const fragments = new Array<Uint8Array>(count);
  const memory = buffer.buffer;
  buffer[0] = cmd;
  buffer[1] = length >>> 8;
  buffer[2] = length & 0xff;
  fragments[0] = new Uint8Array(memory, 0, Math.min(fragmentSize, buffer.length));
  for (let index = 1; index < count; index++) {
    const start = index * fragmentSize;
    buffer[start] = (index - 1) & BLE_MAX_SEQ;
    fragments[index] = new Uint8Array(memory, start, Math.min(fragmentSize, buffer.length - start));
  }
  return fragments;
}
