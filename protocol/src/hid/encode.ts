import { FramingError } from '../errors.js';
import {
  HID_BROADCAST_CID,
  HID_CONT_DATA_SIZE,
  HID_CONT_HEADER_SIZE,
  HID_INIT_BIT,
  HID_INIT_DATA_SIZE,
  HID_INIT_HEADER_SIZE,
  HID_MAX_MESSAGE_SIZE,
  HID_REPORT_SIZE,
  HID_RESERVED_CID,
  HidCommand,
  HidError,
} from './constants.js';

/** How many 64-byte reports carry a message of `length` bytes (docs/protocol.md §1.3). */
export function hidPacketCount(length: number): number {
  return length <= HID_INIT_DATA_SIZE ? 1 : 1 + Math.ceil((length - HID_INIT_DATA_SIZE) / HID_CONT_DATA_SIZE);
}

/**
 * Splits one message into 64-byte reports (docs/protocol.md §1.3): an initialization packet, then
 * continuation packets with SEQ 0, 1, … Unused bytes are zero. The reports are views of one allocation.
 * `cmd` is the command without the initialization bit. Throws FramingError for a payload over 7609 bytes,
 * a command outside 0..0x7F, or a CID the command may not use (§1.4).
 */
export function encodeHidMessage(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  assertEncodable(cid, cmd, payload.length);
  const length = payload.length;
  const count = hidPacketCount(length);
  const buffer = new Uint8Array(count * HID_REPORT_SIZE);
  // Copy the payload in one go behind the first header, then slide each continuation's share right,
  // last packet first, to open room for its 5-byte header: no per-packet views of the payload. Each
  // share moves 5 bytes per earlier continuation, so the bytes past the final end were never written.
  buffer.set(payload, HID_INIT_HEADER_SIZE);
  for (let index = count - 1; index >= 1; index--) {
    const from = HID_INIT_HEADER_SIZE + HID_INIT_DATA_SIZE + (index - 1) * HID_CONT_DATA_SIZE;
    const to = index * HID_REPORT_SIZE + HID_CONT_HEADER_SIZE;
    buffer.copyWithin(to, from, Math.min(from + HID_CONT_DATA_SIZE, HID_INIT_HEADER_SIZE + length));
  }

  const reports = new Array<Uint8Array>(count);
  const memory = buffer.buffer;
  const cid0 = cid >>> 24;
  const cid1 = (cid >>> 16) & 0xff;
  const cid2 = (cid >>> 8) & 0xff;
  const cid3 = cid & 0xff;
  for (let index = 0; index < count; index++) {
    const start = index * HID_REPORT_SIZE;
    buffer[start] = cid0;
    buffer[start + 1] = cid1;
    buffer[start + 2] = cid2;
    buffer[start + 3] = cid3;
    buffer[start + 4] = index === 0 ? cmd | HID_INIT_BIT : index - 1;
    // A view constructor is cheaper than subarray() in V8.
    reports[index] = new Uint8Array(memory, start, HID_REPORT_SIZE);
  }
  buffer[5] = length >>> 8;
  buffer[6] = length & 0xff;
  return reports;
}

function assertEncodable(cid: number, cmd: number, length: number): void {
  if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0x7f) {
    throw new FramingError(
      'HID_INVALID_COMMAND',
      HidError.INVALID_CMD,
      'The HID command must be an integer from 0x00 to 0x7F (without the initialization bit).',
    );
  }
  if (!Number.isInteger(cid) || cid < 0 || cid > HID_BROADCAST_CID) {
    throw new FramingError('HID_INVALID_CID', HidError.INVALID_CHANNEL, 'The channel id must be an unsigned 32-bit integer.');
  }
  // A device answers bad traffic on CID 0 and on the broadcast CID with ERROR on that same CID (§1.4, §1.11).
  if (cid === HID_RESERVED_CID && cmd !== HidCommand.ERROR) {
    throw new FramingError('HID_INVALID_CID', HidError.INVALID_CHANNEL, 'Channel id 0 is reserved: only ERROR may be sent on it.');
  }
  if (cid === HID_BROADCAST_CID && cmd !== HidCommand.INIT && cmd !== HidCommand.ERROR) {
    throw new FramingError('HID_INVALID_CID', HidError.INVALID_CHANNEL, 'The broadcast channel carries only INIT and ERROR.');
  }
  if (length > HID_MAX_MESSAGE_SIZE) {
    throw new FramingError('HID_MESSAGE_TOO_LONG', HidError.INVALID_LEN, `A HID message holds at most ${HID_MAX_MESSAGE_SIZE} bytes.`);
  }
}
