import { FramingError } from '../errors.js';
import { HID_BROADCAST_CID, HID_INIT_NONCE_SIZE, HID_INIT_RESPONSE_SIZE, HID_RESERVED_CID, HidError } from './constants.js';

/** The 17-byte CTAPHID_INIT response (docs/protocol.md §1.6). */
export interface HidInitResponse {
  /** The request's 8-byte nonce, echoed so a host can tell its answer from other hosts' on the broadcast CID. */
  readonly nonce: Uint8Array;
  /** The channel the host must use from now on. */
  readonly cid: number;
  /** CTAPHID protocol version: 2 (HID_PROTOCOL_VERSION). */
  readonly protocolVersion: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly buildVersion: number;
  /** HidCapability flags; HKP/1 keys send HKP_HID_CAPABILITIES. */
  readonly capabilities: number;
}

/** The INIT request payload: the 8-byte nonce, copied. Throws FramingError for another length. */
export function encodeHidInitRequest(nonce: Uint8Array): Uint8Array {
  if (nonce.length !== HID_INIT_NONCE_SIZE) {
    throw new FramingError('HID_INVALID_NONCE', HidError.INVALID_LEN, `The INIT nonce must be ${HID_INIT_NONCE_SIZE} bytes.`);
  }
  return nonce.slice();
}

/** The nonce of an INIT request, or undefined when the payload is not exactly 8 bytes (answer INVALID_LEN). */
export function decodeHidInitRequest(payload: Uint8Array): Uint8Array | undefined {
  return payload.length === HID_INIT_NONCE_SIZE ? payload.slice() : undefined;
}

/** Lays out the INIT response of §1.6. Throws FramingError for a bad nonce, a non-allocatable CID or a field outside 0..255. */
export function encodeHidInitResponse(response: HidInitResponse): Uint8Array {
  const { nonce, cid } = response;
  if (nonce.length !== HID_INIT_NONCE_SIZE) {
    throw new FramingError('HID_INVALID_NONCE', HidError.INVALID_LEN, `The INIT nonce must be ${HID_INIT_NONCE_SIZE} bytes.`);
  }
  if (!Number.isInteger(cid) || cid <= HID_RESERVED_CID || cid >= HID_BROADCAST_CID) {
    throw new FramingError('HID_INVALID_CID', HidError.INVALID_CHANNEL, 'An INIT response must assign a channel id from 1 to 0xFFFFFFFE.');
  }
  const bytes = [response.protocolVersion, response.majorVersion, response.minorVersion, response.buildVersion, response.capabilities];
  if (!bytes.every(isByte)) {
    throw new FramingError('HID_INVALID_INIT_RESPONSE', HidError.INVALID_PAR, 'INIT response version and capability fields must be integers from 0 to 255.');
  }
  const out = new Uint8Array(HID_INIT_RESPONSE_SIZE);
  out.set(nonce, 0);
  new DataView(out.buffer).setUint32(HID_INIT_NONCE_SIZE, cid);
  out.set(bytes, HID_INIT_NONCE_SIZE + 4);
  return out;
}

/** Reads an INIT response, or undefined when the payload is not exactly 17 bytes. */
export function decodeHidInitResponse(payload: Uint8Array): HidInitResponse | undefined {
  if (payload.length !== HID_INIT_RESPONSE_SIZE) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    nonce: payload.slice(0, HID_INIT_NONCE_SIZE),
    cid: view.getUint32(8),
    protocolVersion: view.getUint8(12),
    majorVersion: view.getUint8(13),
    minorVersion: view.getUint8(14),
    buildVersion: view.getUint8(15),
    capabilities: view.getUint8(16),
  };
}

function isByte(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xff;
}
