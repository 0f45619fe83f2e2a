import { FramingError } from '../errors.js';
import { HID_MAX_LOCK_SECONDS, HidError, type HidErrorCode } from './constants.js';

/**
 * KEEPALIVE, ERROR and LOCK each carry exactly one byte (docs/protocol.md §1.7, §1.10, §1.9).
 * Encoders throw FramingError for a value outside 0..255; decoders return undefined for a payload
 * that is not exactly one byte, so a host never mistakes a truncated packet for a status.
 */

export function encodeHidKeepalivePayload(status: number): Uint8Array {
  return oneByte(status, 'HID_INVALID_KEEPALIVE', 'A KEEPALIVE status');
}

/** The KEEPALIVE status (HidKeepaliveStatus), or undefined for a payload that is not one byte. */
export function decodeHidKeepalivePayload(payload: Uint8Array): number | undefined {
  return payload.length === 1 ? payload[0] : undefined;
}

export function encodeHidErrorPayload(code: number): Uint8Array {
  return oneByte(code, 'HID_INVALID_ERROR_CODE', 'An ERROR code');
}

/** The ERROR code (HidError), or undefined for a payload that is not one byte. */
export function decodeHidErrorPayload(payload: Uint8Array): number | undefined {
  return payload.length === 1 ? payload[0] : undefined;
}

/** The LOCK request payload: lock time in seconds, 0 (release) to 10. */
export function encodeHidLockPayload(seconds: number): Uint8Array {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > HID_MAX_LOCK_SECONDS) {
    throw new FramingError('HID_INVALID_LOCK_TIME', HidError.INVALID_PAR, `The lock time must be an integer from 0 to ${HID_MAX_LOCK_SECONDS} seconds.`);
  }
  return Uint8Array.of(seconds);
}

/** A LOCK request's seconds, or the ERROR code to answer with: INVALID_LEN (not one byte), INVALID_PAR (over 10) (§1.9). */
export function decodeHidLockPayload(
  payload: Uint8Array,
): { readonly ok: true; readonly seconds: number } | { readonly ok: false; readonly code: HidErrorCode } {
  if (payload.length !== 1) return { ok: false, code: HidError.INVALID_LEN };
  const seconds = payload[0] as number;
  if (seconds > HID_MAX_LOCK_SECONDS) return { ok: false, code: HidError.INVALID_PAR };
  return { ok: true, seconds };
}

function oneByte(value: number, code: string, what: string): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new FramingError(code, HidError.INVALID_PAR, `${what} must be an integer from 0 to 255.`);
  }
  return Uint8Array.of(value);
}
