/**
 * The simulator's BLE link (docs/protocol.md §8.2): GATT operations carried over a byte stream as
 * LEN(2, big-endian) OP(1) DATA frames. Pure codec; the sockets live in the simulator and the bridge.
 */
import { FramingError } from '../errors.js';

export const BleLinkOp = {
  SCAN: 0x01,
  CONNECT: 0x02,
  EXCHANGE_MTU: 0x03,
  READ: 0x04,
  WRITE_COMMAND: 0x05,
  WRITE_REQUEST: 0x06,
  SUBSCRIBE: 0x07,
  DISCONNECT: 0x09,
  /** The FIDO service (docs/protocol.md §2.12): a fidoControlPoint write (with response). */
  FIDO_WRITE: 0x0a,
  FIDO_SUBSCRIBE: 0x0b,
  /** A fidoServiceRevisionBitfield write: the host selects a revision. */
  FIDO_SELECT_REVISION: 0x0c,
  ADVERTISEMENTS: 0x81,
  CONNECTED: 0x82,
  MTU: 0x83,
  VALUE: 0x84,
  WRITTEN: 0x86,
  SUBSCRIBED: 0x87,
  NOTIFY: 0x88,
  DISCONNECTED: 0x89,
  MTU_CHANGED: 0x8a,
  FIDO_SUBSCRIBED: 0x8b,
  /** A fidoStatus notification. */
  FIDO_NOTIFY: 0x8c,
  ERROR: 0xff,
} as const;

/** VALUE_NOT_ALLOWED stands for the ATT error Value Not Allowed (0x13) of a refused revision selection. */
export const BleLinkError = {
  UNKNOWN_OP: 0x01,
  NOT_CONNECTED: 0x02,
  NO_SUCH_KEY: 0x03,
  BAD_LENGTH: 0x04,
  ALREADY_CONNECTED: 0x05,
  VALUE_NOT_ALLOWED: 0x06,
} as const;

/** READ targets (docs/protocol.md §8.2): the HKP service's, then the FIDO service's. */
export const BleLinkCharacteristic = { CONTROL_POINT_LENGTH: 1, SERVICE_REVISION: 2, FIDO_CONTROL_POINT_LENGTH: 3, FIDO_SERVICE_REVISION_BITFIELD: 4 } as const;

export const BLE_LINK_DEFAULT_PORT = 8112;
export const BLE_LINK_MAX_FRAME = 1024;

export interface BleLinkFrame {
  readonly op: number;
  readonly data: Uint8Array;
}

export function encodeBleLinkFrame(op: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = data.length + 1;
  if (length > BLE_LINK_MAX_FRAME)
    throw new FramingError('BLE_LINK_FRAME_TOO_LONG', BleLinkError.BAD_LENGTH, `A BLE link frame carries at most ${BLE_LINK_MAX_FRAME - 1} data bytes.`);
  const frame = new Uint8Array(2 + length);
  frame[0] = length >>> 8;
  frame[1] = length & 0xff;
  frame[2] = op;
  frame.set(data, 3);
  return frame;
}

export const encodeUint16 = (value: number): Uint8Array => Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
export const decodeUint16 = (data: Uint8Array): number | undefined => (data.length === 2 ? ((data[0] as number) << 8) | (data[1] as number) : undefined);

/** Splits a byte stream into frames; a length of 0 or over the maximum is a FramingError (the link must close). */
export class BleLinkFrameReader {
  private buffer = new Uint8Array(0);

  push(chunk: Uint8Array): BleLinkFrame[] {
    const joined = new Uint8Array(this.buffer.length + chunk.length);
    joined.set(this.buffer);
    joined.set(chunk, this.buffer.length);
    const frames: BleLinkFrame[] = [];
    let offset = 0;
    while (joined.length - offset >= 2) {
      const length = ((joined[offset] as number) << 8) | (joined[offset + 1] as number);
      if (length === 0 || length > BLE_LINK_MAX_FRAME) {
        throw new FramingError(
          'BLE_LINK_BAD_LENGTH',
          BleLinkError.BAD_LENGTH,
          `A BLE link frame declared ${length} bytes; frames hold 1 to ${BLE_LINK_MAX_FRAME}.`,
        );
      }
      if (joined.length - offset - 2 < length) break;
      frames.push({ op: joined[offset + 2] as number, data: joined.slice(offset + 3, offset + 2 + length) });
      offset += 2 + length;
    }
    this.buffer = joined.slice(offset);
    return frames;
  }
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** ADVERTISEMENTS data: COUNT(1), then per key SERIAL_LEN(1) SERIAL. */
export function encodeAdvertisements(serials: readonly string[]): Uint8Array {
  const parts = serials.slice(0, 255).map((serial) => utf8.encode(serial).slice(0, 255));
  const out = new Uint8Array(1 + parts.reduce((sum, part) => sum + 1 + part.length, 0));
  out[0] = parts.length;
  let offset = 1;
  for (const part of parts) {
    out[offset] = part.length;
    out.set(part, offset + 1);
    offset += 1 + part.length;
  }
  return out;
}

export function decodeAdvertisements(data: Uint8Array): string[] | undefined {
  const count = data[0];
  if (count === undefined) return undefined;
  const serials: string[] = [];
  let offset = 1;
  for (let i = 0; i < count; i++) {
    const length = data[offset];
    if (length === undefined || offset + 1 + length > data.length) return undefined;
    serials.push(text.decode(data.subarray(offset + 1, offset + 1 + length)));
    offset += 1 + length;
  }
  return offset === data.length ? serials : undefined;
}
