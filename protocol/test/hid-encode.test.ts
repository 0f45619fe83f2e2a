import { describe, expect, test } from 'vitest';
import { FramingError } from '../src/errors.js';
import {
  encodeHidInitRequest,
  encodeHidInitResponse,
  encodeHidMessage,
  HID_BROADCAST_CID,
  HID_MAX_MESSAGE_SIZE,
  HidCommand,
  hidPacketCount,
} from '../src/hid/index.js';
import { counting, hex, report, toHex } from './framing-helpers.js';

const CID = 0x01020304;

describe('encodeHidMessage packet counts (docs/protocol.md §1.3)', () => {
  test.each([
    [0, 1],
    [1, 1],
    [57, 1],
    [58, 2],
    [116, 2],
    [117, 3],
    // 57 + 16 × 59 = 1001 bytes fit 17 packets.
    [1000, 17],
    [1001, 17],
    [1002, 18],
    [7609, 129],
  ])('%i bytes → %i reports', (length, packets) => {
    const reports = encodeHidMessage(CID, HidCommand.PING, counting(length));
    expect(reports).toHaveLength(packets);
    expect(hidPacketCount(length)).toBe(packets);
    for (const r of reports) expect(r.length).toBe(64);
  });

  test('the largest message is exactly 57 + 128 × 59 bytes', () => {
    expect(HID_MAX_MESSAGE_SIZE).toBe(7609);
  });
});

describe('encodeHidMessage byte layout', () => {
  test('PING of 0 bytes', () => {
    const [only] = encodeHidMessage(CID, HidCommand.PING, new Uint8Array(0));
    expect(toHex(only!)).toBe(toHex(report('01020304 81 0000')));
  });

  test('PING of 1 byte', () => {
    const [only] = encodeHidMessage(CID, HidCommand.PING, hex('aa'));
    expect(toHex(only!)).toBe(toHex(report('01020304 81 0001 aa')));
  });

  test('PING of 57 bytes fills the initialization packet exactly', () => {
    const [only] = encodeHidMessage(CID, HidCommand.PING, counting(57));
    expect(toHex(only!)).toBe(`0102030481 0039 ${toHex(counting(57))}`.replace(/ /g, ''));
  });

  test('PING of 58 bytes: one byte in continuation SEQ 0, the rest zero', () => {
    const reports = encodeHidMessage(CID, HidCommand.PING, counting(58));
    expect(toHex(reports[0]!)).toBe(`010203048100 3a${toHex(counting(57))}`.replace(/ /g, ''));
    expect(toHex(reports[1]!)).toBe(toHex(report('01020304 00 39')));
  });

  test('PING of 116 bytes fills both packets', () => {
    const reports = encodeHidMessage(CID, HidCommand.PING, counting(116));
    expect(toHex(reports[1]!)).toBe(`0102030400${toHex(counting(59, 57))}`);
  });

  test('1000 bytes: the last continuation is SEQ 15 with 58 data bytes and one zero', () => {
    const reports = encodeHidMessage(CID, HidCommand.HKP_MSG, counting(1000));
    expect(toHex(reports[0]!.subarray(0, 7))).toBe('01020304d003e8');
    expect(toHex(reports[16]!)).toBe(`010203040f${toHex(counting(58, 57 + 15 * 59))}00`);
  });

  test('7609 bytes: SEQ runs 0..0x7F and the last report is full', () => {
    const payload = counting(7609, 3);
    const reports = encodeHidMessage(CID, HidCommand.HKP_MSG, payload);
    expect(toHex(reports[0]!.subarray(0, 7))).toBe('01020304d01db9');
    reports.slice(1).forEach((r, i) => expect(r[4]).toBe(i));
    expect(toHex(reports[128]!)).toBe(`010203047f${toHex(payload.subarray(7609 - 59))}`);
  });

  test('reports are 64-byte views of one allocation', () => {
    const reports = encodeHidMessage(CID, HidCommand.PING, counting(300));
    const buffer = reports[0]!.buffer;
    reports.forEach((r, i) => {
      expect(r.buffer).toBe(buffer);
      expect(r.byteOffset).toBe(i * 64);
    });
  });

  test('the payload is copied, not aliased', () => {
    const payload = counting(100);
    const reports = encodeHidMessage(CID, HidCommand.PING, payload);
    payload.fill(0xee);
    expect(reports[0]![7]).toBe(0);
  });
});

describe('encodeHidMessage rejects what a device must never send', () => {
  const rejects = (fn: () => unknown, code: string, transportError: number): void => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FramingError);
    expect((caught as FramingError).code).toBe(code);
    expect((caught as FramingError).transportError).toBe(transportError);
  };

  test('a payload over 7609 bytes', () => {
    rejects(() => encodeHidMessage(CID, HidCommand.PING, new Uint8Array(7610)), 'HID_MESSAGE_TOO_LONG', 0x03);
  });

  test.each([-1, 0x80, 0xd0, 1.5, Number.NaN])('command %s', (cmd) => {
    rejects(() => encodeHidMessage(CID, cmd, new Uint8Array(0)), 'HID_INVALID_COMMAND', 0x01);
  });

  test.each([-1, 0x1_0000_0000, 2.5, Number.NaN])('CID %s', (cid) => {
    rejects(() => encodeHidMessage(cid, HidCommand.PING, new Uint8Array(0)), 'HID_INVALID_CID', 0x0b);
  });

  test('CID 0 carries only ERROR; broadcast carries only INIT and ERROR (§1.4)', () => {
    rejects(() => encodeHidMessage(0, HidCommand.PING, new Uint8Array(0)), 'HID_INVALID_CID', 0x0b);
    rejects(() => encodeHidMessage(HID_BROADCAST_CID, HidCommand.PING, new Uint8Array(0)), 'HID_INVALID_CID', 0x0b);
    expect(toHex(encodeHidMessage(0, HidCommand.ERROR, hex('0b'))[0]!)).toBe(toHex(report('00000000 bf 0001 0b')));
    expect(toHex(encodeHidMessage(HID_BROADCAST_CID, HidCommand.ERROR, hex('06'))[0]!)).toBe(toHex(report('ffffffff bf 0001 06')));
    expect(encodeHidMessage(HID_BROADCAST_CID, HidCommand.INIT, counting(8))).toHaveLength(1);
  });
});

describe('cross-check against the CTAP 2.x §11.2.4 packet structure', () => {
  /** An independent, field-by-field reading of the CTAP 2.x packet tables, for s = 64. */
  function ctapPackets(cid: number, cmd: number, data: Uint8Array): Uint8Array[] {
    const packets: Uint8Array[] = [];
    const init = new Uint8Array(64);
    const view = new DataView(init.buffer);
    view.setUint32(0, cid, false); // CID, offset 0, 4 bytes
    view.setUint8(4, 0x80 | cmd); // CMD, offset 4, bit 7 set
    view.setUint8(5, data.length >> 8); // BCNTH, offset 5
    view.setUint8(6, data.length & 0xff); // BCNTL, offset 6
    init.set(data.slice(0, 64 - 7), 7); // DATA, offset 7, s − 7 bytes
    packets.push(init);
    for (let seq = 0, at = 57; at < data.length; seq++, at += 59) {
      const cont = new Uint8Array(64);
      new DataView(cont.buffer).setUint32(0, cid, false); // CID
      cont[4] = seq; // SEQ, bit 7 clear
      cont.set(data.slice(at, at + 64 - 5), 5); // DATA, s − 5 bytes
      packets.push(cont);
    }
    return packets;
  }

  test.each([0, 1, 56, 57, 58, 115, 116, 117, 1000, 4096, 7609])('%i bytes', (length) => {
    const payload = counting(length, 77);
    const ours = encodeHidMessage(0xcafe0001, HidCommand.HKP_MSG, payload).map(toHex);
    expect(ours).toEqual(ctapPackets(0xcafe0001, HidCommand.HKP_MSG, payload).map(toHex));
  });

  // Byte vectors published in Mozilla's authenticator-rs tests (CTAPHID INIT on the broadcast channel).
  test('INIT request and response match a public CTAPHID trace', () => {
    const nonce = hex('0807060504030201');
    expect(toHex(encodeHidMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(nonce))[0]!)).toBe(
      toHex(report('ffffffff 86 0008 0807060504030201')),
    );
    const response = encodeHidInitResponse({
      nonce,
      cid: 0x00030014,
      protocolVersion: 2,
      majorVersion: 4,
      minorVersion: 1,
      buildVersion: 8,
      capabilities: 0x01,
    });
    expect(toHex(encodeHidMessage(HID_BROADCAST_CID, HidCommand.INIT, response)[0]!)).toBe(
      toHex(report('ffffffff 86 0011 0807060504030201 00030014 02 04 01 08 01')),
    );
  });

  // Chromium's CTAPHID test constants: KEEPALIVE(processing) and ERROR(INVALID_CMD) after the CID.
  test('KEEPALIVE and ERROR packets match public CTAPHID test constants', () => {
    expect(toHex(encodeHidMessage(CID, HidCommand.KEEPALIVE, hex('01'))[0]!.subarray(4, 8))).toBe('bb000101');
    expect(toHex(encodeHidMessage(CID, HidCommand.ERROR, hex('01'))[0]!.subarray(4, 8))).toBe('bf000101');
  });
});
