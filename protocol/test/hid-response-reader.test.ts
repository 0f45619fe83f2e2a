import { describe, expect, test } from 'vitest';
import { decodeHidInitResponse, encodeHidMessage, HID_BROADCAST_CID, HidCommand, HidError, HidResponseReader } from '../src/hid/index.js';
import { contPacket, counting, hex, initPacket, report } from './framing-helpers.js';

const A = 0x0a0a0a0a;
const B = 0x0b0b0b0b;

describe('HidResponseReader (docs/protocol.md §1.13)', () => {
  test('assembles a multi-packet response of its channel', () => {
    const reader = new HidResponseReader(A);
    const payload = counting(3000, 5);
    const reports = encodeHidMessage(A, HidCommand.HKP_MSG, payload);
    for (const r of reports.slice(0, -1)) expect(reader.feed(r)).toBeUndefined();
    expect(reader.receiving).toBe(true);
    expect(reader.feed(reports.at(-1)!)).toEqual({ type: 'message', cmd: HidCommand.HKP_MSG, payload });
    expect(reader.receiving).toBe(false);
  });

  test('ignores other channels, odd-sized reports and spurious continuations', () => {
    const reader = new HidResponseReader(A);
    expect(reader.feed(initPacket(B, HidCommand.PING, 1, hex('01')))).toBeUndefined();
    expect(reader.feed(new Uint8Array(63))).toBeUndefined();
    expect(reader.feed(new Uint8Array(65))).toBeUndefined();
    expect(reader.feed(contPacket(A, 0))).toBeUndefined();
    const [first, second] = encodeHidMessage(A, HidCommand.PING, counting(80));
    reader.feed(first!);
    expect(reader.feed(contPacket(B, 0))).toBeUndefined();
    expect(reader.feed(second!)).toEqual({ type: 'message', cmd: HidCommand.PING, payload: counting(80) });
  });

  test('surfaces KEEPALIVE as an event and keeps listening', () => {
    const reader = new HidResponseReader(A);
    // Chromium's CTAPHID test constant: KEEPALIVE, length 1, PROCESSING.
    expect(reader.feed(report('0a0a0a0a bb 0001 01'))).toEqual({ type: 'keepalive', status: 1 });
    expect(reader.feed(report('0a0a0a0a bb 0001 02'))).toEqual({ type: 'keepalive', status: 2 });
    expect(reader.feed(report('0a0a0a0a d0 0001 00'))).toEqual({ type: 'message', cmd: HidCommand.HKP_MSG, payload: hex('00') });
  });

  test('surfaces ERROR as an error', () => {
    const reader = new HidResponseReader(A);
    expect(reader.feed(report('0a0a0a0a bf 0001 06'))).toEqual({ type: 'error', code: HidError.CHANNEL_BUSY });
  });

  test('a KEEPALIVE or ERROR that is not one byte is a framing error', () => {
    const reader = new HidResponseReader(A);
    expect(reader.feed(report('0a0a0a0a bb 0000'))).toEqual({ type: 'framing-error', code: HidError.INVALID_LEN });
    expect(reader.feed(report('0a0a0a0a bf 0002 0101'))).toEqual({ type: 'framing-error', code: HidError.INVALID_LEN });
  });

  test('a wrong SEQ is a framing error and drops the response', () => {
    const reader = new HidResponseReader(A);
    const reports = encodeHidMessage(A, HidCommand.HKP_MSG, counting(200));
    reader.feed(reports[0]!);
    expect(reader.feed(reports[2]!)).toEqual({ type: 'framing-error', code: HidError.INVALID_SEQ });
    expect(reader.receiving).toBe(false);
    expect(reader.feed(reports[3]!)).toBeUndefined();
  });

  test('a new initialization packet mid-response is a framing error', () => {
    const reader = new HidResponseReader(A);
    const reports = encodeHidMessage(A, HidCommand.HKP_MSG, counting(200));
    reader.feed(reports[0]!);
    expect(reader.feed(report('0a0a0a0a bb 0001 01'))).toEqual({ type: 'framing-error', code: HidError.INVALID_SEQ });
    expect(reader.receiving).toBe(false);
  });

  test('BCNT over 7609 is a framing error', () => {
    const reader = new HidResponseReader(A);
    expect(reader.feed(initPacket(A, HidCommand.HKP_MSG, 7610))).toEqual({ type: 'framing-error', code: HidError.INVALID_LEN });
  });

  test('reset() drops a partial response', () => {
    const reader = new HidResponseReader(A);
    const reports = encodeHidMessage(A, HidCommand.HKP_MSG, counting(100));
    reader.feed(reports[0]!);
    reader.reset();
    expect(reader.feed(reports[1]!)).toBeUndefined();
  });

  test('reads an INIT response on the broadcast channel (public authenticator-rs trace)', () => {
    const reader = new HidResponseReader(HID_BROADCAST_CID);
    const event = reader.feed(report('ffffffff 86 0011 0807060504030201 00030014 02 04 01 08 01'));
    expect(event?.type).toBe('message');
    const init = event?.type === 'message' ? decodeHidInitResponse(event.payload) : undefined;
    expect(init).toEqual({
      nonce: hex('0807060504030201'),
      cid: 0x00030014,
      protocolVersion: 2,
      majorVersion: 4,
      minorVersion: 1,
      buildVersion: 8,
      capabilities: 1,
    });
  });
});
