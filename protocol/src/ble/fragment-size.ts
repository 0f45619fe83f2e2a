import { FramingError } from '../errors.js';
import {
  BLE_ATT_HEADER_SIZE,
  BLE_DEFAULT_ATT_MTU,
  BLE_MAX_ATT_MTU,
  BLE_MAX_CONTROL_POINT_LENGTH,
  BLE_MIN_CONTROL_POINT_LENGTH,
  BleError,
} from './constants.js';

/**
 * Fragment size for a link (docs/protocol.md §2.3): min(controlPointLength, ATT_MTU − 3), so every
 * fragment fits one ATT write or notification and the device's control point. 20 at the default MTU 23.
 * Throws FramingError for an MTU outside 23..517 or a control point length outside 20..512.
 */
export function bleFragmentSize(mtu: number, controlPointLength: number): number {
  if (!Number.isInteger(mtu) || mtu < BLE_DEFAULT_ATT_MTU || mtu > BLE_MAX_ATT_MTU) {
    throw new FramingError('BLE_INVALID_MTU', BleError.INVALID_PAR, `The ATT MTU must be an integer from ${BLE_DEFAULT_ATT_MTU} to ${BLE_MAX_ATT_MTU}.`);
  }
  if (!isControlPointLength(controlPointLength)) {
    throw new FramingError(
      'BLE_INVALID_CONTROL_POINT_LENGTH',
      BleError.INVALID_PAR,
      `The control point length must be an integer from ${BLE_MIN_CONTROL_POINT_LENGTH} to ${BLE_MAX_CONTROL_POINT_LENGTH}.`,
    );
  }
  return Math.min(controlPointLength, mtu - BLE_ATT_HEADER_SIZE);
}

/** Control point lengths and fragment sizes share the range 20..512. */
export function isControlPointLength(value: number): boolean {
  return Number.isInteger(value) && value >= BLE_MIN_CONTROL_POINT_LENGTH && value <= BLE_MAX_CONTROL_POINT_LENGTH;
}
