/**
 * The bridge's binary subprotocol (`hkey.v1.bin`, docs/bridge-protocol.md "Binary frames"): the data path (HKP
 * exchanges, CTAP requests, raw HID reports, GATT writes and notifications) as binary WebSocket messages, with no
 * JSON and no hex. Control requests stay JSON text messages on the same socket. Big-endian throughout; shared by the
 * server and its clients; isomorphic.
 */
import type { GattNotifying, GattWritable } from './gatt-connection.js';

/** The Sec-WebSocket-Protocol value a client offers and the server selects. */
export const BRIDGE_BINARY_PROTOCOL = 'hkey.v1.bin';

export const BinaryFrame = {
  EXCHANGE: 0x01,
  CTAP_CBOR: 0x02,
  CTAP_MSG: 0x03,
  HID_SEND: 0x04,
  GATT_WRITE: 0x05,
  RESULT: 0x81,
  ERROR: 0x82,
  KEEPALIVE: 0x91,
  HID_REPORT: 0x92,
  GATT_NOTIFY: 0x93,
} as const;

/** Request frames: type, u32 id, u8 session length, session (ASCII), then the fields of the type. */
export type BinaryRequestFrame = (typeof BinaryFrame)[keyof Pick<typeof BinaryFrame, 'EXCHANGE' | 'CTAP_CBOR' | 'CTAP_MSG' | 'HID_SEND' | 'GATT_WRITE'>];

/** Characteristic codes on the wire; 0 means "none named" (the HKP characteristic). */
export const GATT_WRITABLE_CODES: readonly (GattWritable | undefined)[] = [undefined, 'control-point', 'fido-control-point', 'fido-service-revision-bitfield'];
export const GATT_NOTIFYING_CODES: readonly (GattNotifying | undefined)[] = [undefined, 'status', 'fido-status'];
export const KEEPALIVE_CODES = ['processing', 'user-presence'] as const;

/** The id header every request and reply frame carries: type (1) + id (4). */
export const FRAME_ID_HEADER = 5;
/** Largest request id: ids are u32 and 0 means "no id" in error frames. */
export const MAX_BINARY_ID = 0xffff_ffff;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

function frame(size: number, type: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(size);
  bytes[0] = type;
  return { bytes, view: new DataView(bytes.buffer) };
}

/** A frame of `size` bytes starting with its type and u32 id: the data path's frames, written without a DataView. */
function idFrame(size: number, type: number, id: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes[0] = type;
  bytes[1] = id >>> 24;
  bytes[2] = id >>> 16;
  bytes[3] = id >>> 8;
  bytes[4] = id;
  return bytes;
}

/** The last session encoded: a client sends every frame of a lease under the same token, so it is encoded once. */
let lastSession: { readonly token: string; readonly bytes: Uint8Array } | undefined;

function sessionBytes(session: string): Uint8Array {
  if (lastSession?.token === session) return lastSession.bytes;
  const encoded = encoder.encode(session);
  if (encoded.length > 255) throw new RangeError('A session token is at most 255 bytes.');
  lastSession = { token: session, bytes: encoded };
  return encoded;
}

/** EXCHANGE, CTAP_CBOR, CTAP_MSG: …session, u32 timeoutMs (0: the bridge's default), data. */
export function encodeExchangeFrame(type: BinaryRequestFrame, id: number, session: string, timeoutMs: number | undefined, data: Uint8Array): Uint8Array {
  const token = sessionBytes(session);
  const bytes = idFrame(FRAME_ID_HEADER + 1 + token.length + 4 + data.length, type, id);
  bytes[5] = token.length;
  bytes.set(token, 6);
  const timeout = timeoutMs ?? 0;
  const at = 6 + token.length;
  bytes[at] = timeout >>> 24;
  bytes[at + 1] = timeout >>> 16;
  bytes[at + 2] = timeout >>> 8;
  bytes[at + 3] = timeout;
  bytes.set(data, at + 4);
  return bytes;
}

/** HID_SEND: …session, the 64-byte report. */
export function encodeHidSendFrame(id: number, session: string, report: Uint8Array): Uint8Array {
  const token = sessionBytes(session);
  const bytes = idFrame(FRAME_ID_HEADER + 1 + token.length + report.length, BinaryFrame.HID_SEND, id);
  bytes[5] = token.length;
  bytes.set(token, 6);
  bytes.set(report, 6 + token.length);
  return bytes;
}

/** GATT_WRITE: …session, u8 flags (bit 0: with response), u8 characteristic code, value. */
export function encodeGattWriteFrame(id: number, session: string, value: Uint8Array, response: boolean, characteristic: GattWritable | undefined): Uint8Array {
  const token = sessionBytes(session);
  const bytes = idFrame(FRAME_ID_HEADER + 1 + token.length + 2 + value.length, BinaryFrame.GATT_WRITE, id);
  bytes[5] = token.length;
  bytes.set(token, 6);
  bytes[6 + token.length] = response ? 1 : 0;
  bytes[7 + token.length] = GATT_WRITABLE_CODES.indexOf(characteristic);
  bytes.set(value, 8 + token.length);
  return bytes;
}

/** RESULT: u32 id, the response bytes (empty for hid-send and gatt-write). */
export function encodeResultFrame(id: number, data: Uint8Array): Uint8Array {
  const bytes = idFrame(FRAME_ID_HEADER + data.length, BinaryFrame.RESULT, id);
  bytes.set(data, FRAME_ID_HEADER);
  return bytes;
}

/** ERROR: u32 id (0: the frame had no readable id), u8 code length, code, u16 message length, message, holder (rest). */
export function encodeErrorFrame(id: number, body: { code: string; message: string; holder?: string }): Uint8Array {
  const code = encoder.encode(body.code).subarray(0, 255);
  const message = encoder.encode(body.message).subarray(0, 0xffff);
  const holder = encoder.encode(body.holder ?? '');
  const { bytes, view } = frame(FRAME_ID_HEADER + 1 + code.length + 2 + message.length + holder.length, BinaryFrame.ERROR);
  view.setUint32(1, id);
  bytes[5] = code.length;
  bytes.set(code, 6);
  view.setUint16(6 + code.length, message.length);
  bytes.set(message, 8 + code.length);
  bytes.set(holder, 8 + code.length + message.length);
  return bytes;
}

/** KEEPALIVE: u32 request id, u8 status (0 processing, 1 user presence). */
export function encodeKeepaliveFrame(id: number, status: (typeof KEEPALIVE_CODES)[number]): Uint8Array {
  const bytes = idFrame(FRAME_ID_HEADER + 1, BinaryFrame.KEEPALIVE, id);
  bytes[5] = KEEPALIVE_CODES.indexOf(status);
  return bytes;
}

/** HID_REPORT: u8 session length, session, report. GATT_NOTIFY: the same with a u8 characteristic code before the value. */
export function encodeSessionEventFrame(
  type: typeof BinaryFrame.HID_REPORT | typeof BinaryFrame.GATT_NOTIFY,
  session: string,
  data: Uint8Array,
  characteristic?: GattNotifying,
): Uint8Array {
  const token = sessionBytes(session);
  const extra = type === BinaryFrame.GATT_NOTIFY ? 1 : 0;
  const { bytes } = frame(2 + token.length + extra + data.length, type);
  bytes[1] = token.length;
  bytes.set(token, 2);
  if (extra === 1) bytes[2 + token.length] = Math.max(0, GATT_NOTIFYING_CODES.indexOf(characteristic));
  bytes.set(data, 2 + token.length + extra);
  return bytes;
}

/** The last session token read: a client's frames repeat their lease's token, so it is decoded once. */
let lastDecodedSession: { readonly bytes: Uint8Array; readonly token: string } | undefined;

function decodeSession(bytes: Uint8Array): string {
  const last = lastDecodedSession;
  if (last !== undefined && sameBytes(last.bytes, bytes)) return last.token;
  const token = decoder.decode(bytes);
  lastDecodedSession = { bytes: bytes.slice(), token };
  return token;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** A frame the reader could not make sense of; `id` when the id header was readable. */
export class FrameShapeError extends Error {
  constructor(
    message: string,
    readonly id: number | null,
  ) {
    super(message);
  }
}

export interface DecodedRequest {
  readonly type: BinaryRequestFrame;
  readonly id: number;
  readonly session: string;
  /** Bytes after the session: the type's own fields. */
  readonly rest: Uint8Array;
}

/** Splits a request frame into its header and fields; throws FrameShapeError for anything shorter than its header. */
export function decodeRequestFrame(frameBytes: Uint8Array): DecodedRequest {
  const type = frameBytes[0];
  if (frameBytes.length < FRAME_ID_HEADER) throw new FrameShapeError('A binary frame starts with a type byte and a 4-byte id.', null);
  const id = new DataView(frameBytes.buffer, frameBytes.byteOffset, frameBytes.byteLength).getUint32(1);
  if (type === undefined || type < BinaryFrame.EXCHANGE || type > BinaryFrame.GATT_WRITE)
    throw new FrameShapeError('Unknown binary frame type; see docs/bridge-protocol.md.', id);
  const sessionLength = frameBytes[5];
  if (sessionLength === undefined || frameBytes.length < 6 + sessionLength) throw new FrameShapeError('The frame ends inside its session token.', id);
  const session = decodeSession(frameBytes.subarray(6, 6 + sessionLength));
  return { type: type as BinaryRequestFrame, id, session, rest: frameBytes.subarray(6 + sessionLength) };
}

export type DecodedServerFrame =
  | { readonly type: 'result'; readonly id: number; readonly data: Uint8Array }
  | { readonly type: 'error'; readonly id: number; readonly error: { code: string; message: string; holder?: string } }
  | { readonly type: 'keepalive'; readonly id: number; readonly status: (typeof KEEPALIVE_CODES)[number] }
  | { readonly type: 'hid-report'; readonly session: string; readonly data: Uint8Array }
  | { readonly type: 'gatt-notify'; readonly session: string; readonly data: Uint8Array; readonly characteristic: GattNotifying };

/**
 * A frame from the server; undefined for anything malformed (the client drops it). Its bytes are copies that own their
 * buffer: callers may read `.buffer` (DataView over a notification, as Web Bluetooth pages do).
 */
export function decodeServerFrame(bytes: Uint8Array): DecodedServerFrame | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (bytes[0]) {
    case BinaryFrame.RESULT:
      if (bytes.length < FRAME_ID_HEADER) return undefined;
      return { type: 'result', id: view.getUint32(1), data: bytes.slice(FRAME_ID_HEADER) };
    case BinaryFrame.ERROR: {
      if (bytes.length < 6) return undefined;
      const codeEnd = 6 + (bytes[5] as number);
      if (bytes.length < codeEnd + 2) return undefined;
      const messageEnd = codeEnd + 2 + view.getUint16(codeEnd);
      if (bytes.length < messageEnd) return undefined;
      const holder = decoder.decode(bytes.subarray(messageEnd));
      const error = { code: decoder.decode(bytes.subarray(6, codeEnd)), message: decoder.decode(bytes.subarray(codeEnd + 2, messageEnd)) };
      return { type: 'error', id: view.getUint32(1), error: holder === '' ? error : { ...error, holder } };
    }
    case BinaryFrame.KEEPALIVE: {
      const status = KEEPALIVE_CODES[bytes[5] ?? -1];
      return bytes.length === 6 && status !== undefined ? { type: 'keepalive', id: view.getUint32(1), status } : undefined;
    }
    case BinaryFrame.HID_REPORT:
    case BinaryFrame.GATT_NOTIFY: {
      const end = 2 + (bytes[1] ?? 0);
      const notify = bytes[0] === BinaryFrame.GATT_NOTIFY;
      if (bytes.length < end + (notify ? 1 : 0)) return undefined;
      const session = decoder.decode(bytes.subarray(2, end));
      if (!notify) return { type: 'hid-report', session, data: bytes.slice(end) };
      const characteristic = GATT_NOTIFYING_CODES[bytes[end] as number] ?? 'status';
      return { type: 'gatt-notify', session, characteristic, data: bytes.slice(end + 1) };
    }
    default:
      return undefined;
  }
}
