import { expect, test } from 'vitest';
import {
  decodeHidInitResponse,
  encodeHidInitRequest,
  encodeHidInitResponse,
  encodeHidKeepalivePayload,
  encodeHidMessage,
  HID_BROADCAST_CID,
  HID_PROTOCOL_VERSION,
  HidCommand,
  HidError,
  HidKeepaliveStatus,
  HidReceiver,
  HidResponseReader,
  HKP_HID_CAPABILITIES,
} from '../src/hid/index.js';
import { counting, hex, report, toHex } from './framing-helpers.js';

// The exchange of docs/protocol.md §1.14, byte for byte.
const CID = 0x12345678;
const nonce = hex('a1a2a3a4a5a6a7a8');
const one = (reports: Uint8Array[]): string => {
  expect(reports).toHaveLength(1);
  return toHex(reports[0]!);
};

test('§1.14 step 1: INIT on the broadcast channel', () => {
  const request = report('ffffffff 86 0008 a1a2a3a4a5a6a7a8');
  expect(one(encodeHidMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(nonce)))).toBe(toHex(request));
  expect(new HidReceiver().feed(request, 0)).toEqual({ type: 'message', cid: HID_BROADCAST_CID, cmd: HidCommand.INIT, payload: nonce });

  const fields = {
    nonce,
    cid: CID,
    protocolVersion: HID_PROTOCOL_VERSION,
    majorVersion: 1,
    minorVersion: 0,
    buildVersion: 0,
    capabilities: HKP_HID_CAPABILITIES,
  };
  const response = report('ffffffff 86 0011 a1a2a3a4a5a6a7a8 12345678 02 01 00 00 05');
  expect(one(encodeHidMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitResponse(fields)))).toBe(toHex(response));
  const event = new HidResponseReader(HID_BROADCAST_CID).feed(response);
  expect(event?.type === 'message' && decodeHidInitResponse(event.payload)).toEqual(fields);
});

test('§1.14 step 2: HKP_MSG GetOtp with KEEPALIVE UPNEEDED', () => {
  const request = report('12345678 d0 0006 20 a1 01 19 02 01');
  expect(one(encodeHidMessage(CID, HidCommand.HKP_MSG, hex('20a1011902 01')))).toBe(toHex(request));
  const keepalive = report('12345678 bb 0001 02');
  expect(one(encodeHidMessage(CID, HidCommand.KEEPALIVE, encodeHidKeepalivePayload(HidKeepaliveStatus.UPNEEDED)))).toBe(toHex(keepalive));
  const responsePayload = hex('00 a2 01 66 313233343536 02 1a 6553f10a');
  const response = report('12345678 d0 0010 00 a2 01 66 31 32 33 34 35 36 02 1a 65 53 f1 0a');
  expect(one(encodeHidMessage(CID, HidCommand.HKP_MSG, responsePayload))).toBe(toHex(response));

  const reader = new HidResponseReader(CID);
  expect(reader.feed(keepalive)).toEqual({ type: 'keepalive', status: 2 });
  expect(reader.feed(response)).toEqual({ type: 'message', cmd: HidCommand.HKP_MSG, payload: responsePayload });
});

test('§1.14 step 3: a 64-byte PING takes two packets', () => {
  const reports = encodeHidMessage(CID, HidCommand.PING, counting(64));
  expect(reports.map(toHex)).toEqual([toHex(report(`12345678 81 0040 ${toHex(counting(57))}`)), toHex(report('12345678 00 39 3a 3b 3c 3d 3e 3f'))]);
});

test('§1.14 step 4: PING on the broadcast CID is INVALID_CHANNEL', () => {
  expect(new HidReceiver().feed(report('ffffffff 81 0000'), 0)).toEqual({ type: 'error', cid: HID_BROADCAST_CID, code: HidError.INVALID_CHANNEL });
  expect(one(encodeHidMessage(HID_BROADCAST_CID, HidCommand.ERROR, Uint8Array.of(HidError.INVALID_CHANNEL)))).toBe(toHex(report('ffffffff bf 0001 0b')));
});
