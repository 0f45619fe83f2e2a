import { FramingError } from '../errors.js';
import { BLE_MAX_CONTROL_POINT_LENGTH, BLE_MIN_CONTROL_POINT_LENGTH, BleError } from './constants.js';
import { isControlPointLength } from './fragment-size.js';

/**
 * The HKP GATT service (docs/protocol.md §2.2). Its UUIDs come from one random version-4 UUID,
 * c11fb0fc-7503-4ab4-b248-398ca4dd13b6, whose bits 16..31 are replaced by 0000 (service) and 0001..0004
 * (characteristics), so the five share a base like the FIDO service's F1D0FFF1..4 do. Lowercase, as Web
 * Bluetooth requires.
 */
export const HKP_GATT = {
  /** Primary service; advertised so hosts can scan for it. */
  SERVICE_UUID: 'c11f0000-7503-4ab4-b248-398ca4dd13b6',
  /** Host → key fragments. Properties: write, write without response. */
  CONTROL_POINT_UUID: 'c11f0001-7503-4ab4-b248-398ca4dd13b6',
  /** Key → host fragments. Properties: notify. */
  STATUS_UUID: 'c11f0002-7503-4ab4-b248-398ca4dd13b6',
  /** Largest control point write the key accepts. Properties: read; uint16 big-endian, 20..512. */
  CONTROL_POINT_LENGTH_UUID: 'c11f0003-7503-4ab4-b248-398ca4dd13b6',
  /** Version of this service. Properties: read; UTF-8 text HKP_SERVICE_REVISION. */
  SERVICE_REVISION_UUID: 'c11f0004-7503-4ab4-b248-398ca4dd13b6',
} as const;

/** The service revision characteristic's value (§2.2). */
export const HKP_SERVICE_REVISION = '1.0';

/** The control point length characteristic's value: uint16 big-endian. Throws FramingError outside 20..512. */
export function encodeControlPointLength(length: number): Uint8Array {
  if (!isControlPointLength(length)) {
    throw new FramingError(
      'BLE_INVALID_CONTROL_POINT_LENGTH',
      BleError.INVALID_PAR,
      `The control point length must be an integer from ${BLE_MIN_CONTROL_POINT_LENGTH} to ${BLE_MAX_CONTROL_POINT_LENGTH}.`,
    );
  }
  return Uint8Array.of(length >>> 8, length & 0xff);
}

/** Reads the control point length characteristic, or undefined when it is not 2 bytes holding 20..512. */
export function decodeControlPointLength(value: Uint8Array): number | undefined {
  if (value.length !== 2) return undefined;
  const length = ((value[0] as number) << 8) | (value[1] as number);
  return isControlPointLength(length) ? length : undefined;
}

/**
 * The FIDO GATT service of CTAP 2.1 §11.4 (docs/protocol.md §2.12), offered next to the HKP service. Its
 * framing is the one of §2.4 to §2.10. The service has the 16-bit UUID 0xFFFD; the characteristics are the
 * spec's F1D0FFF1..4 UUIDs. Lowercase, as Web Bluetooth requires.
 */
export const FIDO_GATT = {
  SERVICE_UUID: '0000fffd-0000-1000-8000-00805f9b34fb',
  /** fidoControlPoint: host → key fragments. Properties: write. */
  CONTROL_POINT_UUID: 'f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoStatus: key → host fragments. Properties: notify. */
  STATUS_UUID: 'f1d0fff2-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoControlPointLength: uint16 big-endian, 20..512. Properties: read. */
  CONTROL_POINT_LENGTH_UUID: 'f1d0fff3-deaa-ecee-b42f-c9ba7ed623bb',
  /** fidoServiceRevisionBitfield: the revisions the key supports; the host writes the one it selects. Properties: read, write. */
  SERVICE_REVISION_BITFIELD_UUID: 'f1d0fff4-deaa-ecee-b42f-c9ba7ed623bb',
} as const;

/** Bits of fidoServiceRevisionBitfield (CTAP 2.1 §11.4.1); a host selects one by writing it alone. */
export const FidoServiceRevision = {
  U2F_1_1: 0x80,
  U2F_1_2: 0x40,
  FIDO2: 0x20,
} as const;
