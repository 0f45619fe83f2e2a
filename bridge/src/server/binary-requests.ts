/**
 * Reading untrusted binary request frames (`hkey.v1.bin`) into the same requests the JSON protocol makes, so one
 * code path (and one CTAP policy) serves both: bytes arrive as Uint8Array where JSON has hex (copied: the gates
 * hold them past this frame), nothing else differs. Every malformed frame becomes BadMessageError, with the
 * frame's id when it was readable.
 */
import { BinaryFrame, FrameShapeError, GATT_WRITABLE_CODES, decodeRequestFrame } from '../bridge-binary.js';
import { BadMessageError, type ParsedRequest } from './request-fields.js';

export function parseBinaryRequest(frame: Uint8Array): ParsedRequest {
  let decoded;
  try {
    decoded = decodeRequestFrame(frame);
  } catch (error) {
    if (error instanceof FrameShapeError) throw new BadMessageError(error.message, 'BAD_FRAME', error.id === 0 ? null : error.id);
    throw error;
  }
  const { type, id, session, rest } = decoded;
  if (id === 0) throw new BadMessageError('A binary request id is an integer from 1 to 4294967295.', 'BAD_FRAME');
  const view = new DataView(rest.buffer, rest.byteOffset, rest.byteLength);
  switch (type) {
    case BinaryFrame.EXCHANGE:
    case BinaryFrame.CTAP_CBOR:
    case BinaryFrame.CTAP_MSG: {
      if (rest.length < 4) throw new BadMessageError('An exchange frame carries a 4-byte timeout before its data.', 'BAD_FRAME', id);
      const timeoutMs = view.getUint32(0);
      const body = { session, data: rest.slice(4), ...(timeoutMs === 0 ? {} : { timeoutMs }) };
      if (type === BinaryFrame.EXCHANGE) return { id, type: 'exchange', body, binary: true };
      return { id, type: 'ctap', body: { ...body, command: type === BinaryFrame.CTAP_CBOR ? 'cbor' : 'msg' }, binary: true };
    }
    case BinaryFrame.HID_SEND:
      return { id, type: 'hid-send', body: { session, report: rest.slice() }, binary: true };
    case BinaryFrame.GATT_WRITE: {
      if (rest.length < 2) throw new BadMessageError('A GATT write frame carries a flags byte and a characteristic byte before its value.', 'BAD_FRAME', id);
      const code = rest[1] as number;
      // An unknown code stays a number, which the shared field check refuses like any other bad characteristic.
      const characteristic = code < GATT_WRITABLE_CODES.length ? GATT_WRITABLE_CODES[code] : code;
      return { id, type: 'gatt-write', body: { session, response: ((rest[0] as number) & 1) === 1, characteristic, value: rest.slice(2) }, binary: true };
    }
  }
}
