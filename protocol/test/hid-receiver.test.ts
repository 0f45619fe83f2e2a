import { describe, expect, test } from 'vitest';
import { encodeHidMessage, HID_BROADCAST_CID, HidCommand, HidError, HidReceiver, type HidReceiveResult } from '../src/hid/index.js';
import { contPacket, counting, hex, initPacket } from './framing-helpers.js';

const A = 0x0a0a0a0a;
const B = 0x0b0b0b0b;
const { PING, INIT, CANCEL, HKP_MSG, LOCK } = HidCommand;

function message(cid: number, cmd: number, payload: Uint8Array): HidReceiveResult {
  return { type: 'message', cid, cmd, payload };
}
function error(cid: number, code: number): HidReceiveResult {
  return { type: 'error', cid, code } as HidReceiveResult;
}

/** Feeds every report at `now` and returns the last result. */
function feedAll(rx: HidReceiver, reports: Uint8Array[], now = 0): HidReceiveResult | undefined {
  let last: HidReceiveResult | undefined;
  for (const r of reports) last = rx.feed(r, now);
  return last;
}

/** Starts a 100-byte HKP_MSG on `cid` (init packet only) and returns the remaining report. */
function startTwoPacketMessage(rx: HidReceiver, cid: number, now = 0): Uint8Array {
  const [first, second] = encodeHidMessage(cid, HKP_MSG, counting(100));
  expect(rx.feed(first!, now)).toBeUndefined();
  return second!;
}

describe('HidReceiver: complete requests', () => {
  test('a single-packet request is delivered at once, as a copy', () => {
    const rx = new HidReceiver();
    const packet = initPacket(A, PING, 3, hex('010203'));
    const result = rx.feed(packet, 0);
    expect(result).toEqual(message(A, PING, hex('010203')));
    packet.fill(0);
    expect(result?.type === 'message' && result.payload[0]).toBe(1);
  });

  test('a multi-packet request is delivered after its last continuation', () => {
    const rx = new HidReceiver();
    const payload = counting(7609);
    const reports = encodeHidMessage(A, HKP_MSG, payload);
    for (const r of reports.slice(0, -1)) expect(rx.feed(r, 0)).toBeUndefined();
    expect(rx.assemblingChannel).toBe(A);
    expect(rx.feed(reports.at(-1)!, 0)).toEqual(message(A, HKP_MSG, payload));
    expect(rx.assemblingChannel).toBeUndefined();
  });

  test('a report inside a larger buffer (non-zero byteOffset) is read correctly', () => {
    const rx = new HidReceiver();
    const reports = encodeHidMessage(A, HKP_MSG, counting(200));
    expect(reports[2]!.byteOffset).toBe(128);
    expect(feedAll(rx, reports)).toEqual(message(A, HKP_MSG, counting(200)));
  });
});

describe('HidReceiver: the ordered rules of docs/protocol.md §1.11', () => {
  test('rule 1: reports that are not 64 bytes are dropped without touching state', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A);
    for (const length of [0, 1, 5, 7, 63, 65, 128]) {
      const odd = new Uint8Array(length);
      odd.set(second.subarray(0, Math.min(length, 64)));
      expect(rx.feed(odd, 0)).toBeUndefined();
    }
    expect(rx.feed(second, 0)).toEqual(message(A, HKP_MSG, counting(100)));
  });

  test('rule 2: a continuation with no request of its channel is ignored', () => {
    const rx = new HidReceiver();
    expect(rx.feed(contPacket(A, 0, counting(59)), 0)).toBeUndefined();
    const second = startTwoPacketMessage(rx, A);
    expect(rx.feed(contPacket(B, 0, counting(59)), 0)).toBeUndefined();
    expect(rx.feed(contPacket(0, 0), 0)).toBeUndefined();
    expect(rx.feed(contPacket(HID_BROADCAST_CID, 0), 0)).toBeUndefined();
    expect(rx.feed(second, 0)).toEqual(message(A, HKP_MSG, counting(100)));
  });

  test('rule 2: a wrong SEQ answers INVALID_SEQ and drops the request', () => {
    const rx = new HidReceiver();
    const reports = encodeHidMessage(A, HKP_MSG, counting(200));
    rx.feed(reports[0]!, 0);
    expect(rx.feed(reports[2]!, 0)).toEqual(error(A, HidError.INVALID_SEQ));
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.feed(reports[1]!, 0)).toBeUndefined();
  });

  test('rule 2: a repeated continuation is a wrong SEQ', () => {
    const rx = new HidReceiver();
    const reports = encodeHidMessage(A, HKP_MSG, counting(200));
    rx.feed(reports[0]!, 0);
    rx.feed(reports[1]!, 0);
    expect(rx.feed(reports[1]!, 0)).toEqual(error(A, HidError.INVALID_SEQ));
  });

  test('rule 3: an initialization packet on CID 0 answers INVALID_CHANNEL on CID 0', () => {
    const rx = new HidReceiver();
    expect(rx.feed(initPacket(0, PING, 0), 0)).toEqual(error(0, HidError.INVALID_CHANNEL));
    expect(rx.feed(initPacket(0, INIT, 8, counting(8)), 0)).toEqual(error(0, HidError.INVALID_CHANNEL));
  });

  test('rule 4: only INIT may use the broadcast CID', () => {
    const rx = new HidReceiver();
    expect(rx.feed(initPacket(HID_BROADCAST_CID, PING, 0), 0)).toEqual(error(HID_BROADCAST_CID, HidError.INVALID_CHANNEL));
    expect(rx.feed(initPacket(HID_BROADCAST_CID, HKP_MSG, 1, hex('01')), 0)).toEqual(error(HID_BROADCAST_CID, HidError.INVALID_CHANNEL));
    expect(rx.feed(initPacket(HID_BROADCAST_CID, INIT, 8, counting(8)), 0)).toEqual(message(HID_BROADCAST_CID, INIT, counting(8)));
  });

  test('rule 4: a channel the device has not allocated answers INVALID_CHANNEL', () => {
    const rx = new HidReceiver({ isAllocated: (cid) => cid === A });
    expect(rx.feed(initPacket(B, PING, 0), 0)).toEqual(error(B, HidError.INVALID_CHANNEL));
    expect(rx.feed(initPacket(A, PING, 0), 0)).toEqual(message(A, PING, new Uint8Array(0)));
    expect(rx.feed(initPacket(HID_BROADCAST_CID, INIT, 8, counting(8)), 0)?.type).toBe('message');
  });

  test('rule 5: INIT on the channel being assembled drops the request and is served', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A);
    expect(rx.feed(initPacket(A, INIT, 8, counting(8)), 0)).toEqual(message(A, INIT, counting(8)));
    expect(rx.feed(second, 0)).toBeUndefined();
  });

  test('rule 5: another command on the channel being assembled answers INVALID_SEQ and drops both', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A);
    expect(rx.feed(initPacket(A, PING, 1, hex('01')), 0)).toEqual(error(A, HidError.INVALID_SEQ));
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.feed(second, 0)).toBeUndefined();
  });

  test('rule 5: CANCEL on the channel being assembled drops the request silently', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A);
    expect(rx.feed(initPacket(A, CANCEL, 0), 0)).toBeUndefined();
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.feed(second, 0)).toBeUndefined();
  });

  test('rule 5: another channel gets CHANNEL_BUSY while a request is assembled; its continuations are ignored', () => {
    const rx = new HidReceiver();
    const payloadB = counting(100, 9);
    const [firstB, secondB] = encodeHidMessage(B, HKP_MSG, payloadB);
    const secondA = startTwoPacketMessage(rx, A);
    expect(rx.feed(firstB!, 0)).toEqual(error(B, HidError.CHANNEL_BUSY));
    expect(rx.feed(initPacket(HID_BROADCAST_CID, INIT, 8, counting(8)), 0)).toEqual(error(HID_BROADCAST_CID, HidError.CHANNEL_BUSY));
    expect(rx.feed(secondB!, 0)).toBeUndefined();
    expect(rx.feed(secondA, 0)).toEqual(message(A, HKP_MSG, counting(100)));
    // Once A is complete, B can start over.
    expect(rx.feed(firstB!, 0)).toBeUndefined();
    expect(rx.feed(secondB!, 0)).toEqual(message(B, HKP_MSG, payloadB));
  });

  test('rule 6: while a channel holds a LOCK, other channels get LOCK_REQUIRED', () => {
    const rx = new HidReceiver();
    rx.lock(A, 3000, 1000);
    expect(rx.lockHolder(1000)).toBe(A);
    expect(rx.feed(initPacket(B, PING, 0), 1000)).toEqual(error(B, HidError.LOCK_REQUIRED));
    expect(rx.feed(initPacket(HID_BROADCAST_CID, INIT, 8, counting(8)), 2000)).toEqual(error(HID_BROADCAST_CID, HidError.LOCK_REQUIRED));
    expect(rx.feed(initPacket(B, LOCK, 1, hex('05')), 2000)).toEqual(error(B, HidError.LOCK_REQUIRED));
    expect(rx.feed(initPacket(A, PING, 0), 2000)).toEqual(message(A, PING, new Uint8Array(0)));
    // The lock runs out at 1000 + 3000.
    expect(rx.lockHolder(3999)).toBe(A);
    expect(rx.lockHolder(4000)).toBeUndefined();
    expect(rx.feed(initPacket(B, PING, 0), 4000)).toEqual(message(B, PING, new Uint8Array(0)));
  });

  test('rule 6: the holder renews or releases its lock; others cannot release it', () => {
    const rx = new HidReceiver();
    rx.lock(A, 1000, 0);
    rx.lock(A, 5000, 500);
    expect(rx.lockHolder(5000)).toBe(A);
    rx.lock(B, 0, 600);
    expect(rx.lockHolder(600)).toBe(A);
    rx.lock(A, 0, 700);
    expect(rx.lockHolder(700)).toBeUndefined();
    expect(rx.feed(initPacket(B, PING, 0), 700)?.type).toBe('message');
  });

  test('rule 7: while the device processes a request, only INIT and CANCEL of that channel get through', () => {
    const rx = new HidReceiver();
    rx.busyChannel = A;
    expect(rx.feed(initPacket(B, PING, 0), 0)).toEqual(error(B, HidError.CHANNEL_BUSY));
    expect(rx.feed(initPacket(HID_BROADCAST_CID, INIT, 8, counting(8)), 0)).toEqual(error(HID_BROADCAST_CID, HidError.CHANNEL_BUSY));
    expect(rx.feed(initPacket(A, HKP_MSG, 1, hex('01')), 0)).toEqual(error(A, HidError.CHANNEL_BUSY));
    expect(rx.feed(initPacket(A, CANCEL, 0), 0)).toEqual(message(A, CANCEL, new Uint8Array(0)));
    expect(rx.feed(initPacket(A, INIT, 8, counting(8)), 0)).toEqual(message(A, INIT, counting(8)));
    rx.busyChannel = undefined;
    expect(rx.feed(initPacket(B, PING, 0), 0)?.type).toBe('message');
  });

  test('rule 8: BCNT over 7609 answers INVALID_LEN; 7609 is accepted', () => {
    const rx = new HidReceiver();
    expect(rx.feed(initPacket(A, HKP_MSG, 7610), 0)).toEqual(error(A, HidError.INVALID_LEN));
    expect(rx.feed(initPacket(A, HKP_MSG, 0xffff), 0)).toEqual(error(A, HidError.INVALID_LEN));
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.feed(initPacket(A, HKP_MSG, 7609), 0)).toBeUndefined();
    expect(rx.assemblingChannel).toBe(A);
  });

  test('rule 9: bytes past BCNT in the last packet are ignored, whatever they hold', () => {
    const rx = new HidReceiver();
    const packet = initPacket(A, PING, 2, hex('0102ffffff'));
    expect(rx.feed(packet, 0)).toEqual(message(A, PING, hex('0102')));
  });

  test('any command value is delivered; answering INVALID_CMD is the device’s job', () => {
    const rx = new HidReceiver();
    for (const cmd of [HidCommand.MSG, HidCommand.CBOR, HidCommand.KEEPALIVE, HidCommand.ERROR, 0x00, 0x7f]) {
      expect(rx.feed(initPacket(A, cmd, 0), 0)).toEqual(message(A, cmd, new Uint8Array(0)));
    }
  });

  test('CANCEL is never answered: wherever it would be refused it is dropped (§1.8)', () => {
    const rx = new HidReceiver({ isAllocated: (cid) => cid !== B });
    expect(rx.feed(initPacket(0, CANCEL, 0), 0)).toBeUndefined();
    expect(rx.feed(initPacket(HID_BROADCAST_CID, CANCEL, 0), 0)).toBeUndefined();
    expect(rx.feed(initPacket(B, CANCEL, 0), 0)).toBeUndefined();
    expect(rx.feed(initPacket(A, CANCEL, 7610), 0)).toBeUndefined();
    rx.lock(A, 1000, 0);
    expect(rx.feed(initPacket(0x0c0c0c0c, CANCEL, 0), 0)).toBeUndefined();
    rx.lock(A, 0, 0);
    startTwoPacketMessage(rx, A);
    expect(rx.feed(initPacket(0x0c0c0c0c, CANCEL, 0), 0)).toBeUndefined();
    expect(rx.assemblingChannel).toBe(A);
  });
});

describe('HidReceiver: inter-packet timeout (docs/protocol.md §1.12)', () => {
  test('a gap of exactly 500 ms is allowed; every packet restarts the timer', () => {
    const rx = new HidReceiver();
    const reports = encodeHidMessage(A, HKP_MSG, counting(200));
    expect(rx.feed(reports[0]!, 1000)).toBeUndefined();
    expect(rx.feed(reports[1]!, 1500)).toBeUndefined();
    expect(rx.poll(2000)).toBeUndefined();
    expect(rx.feed(reports[2]!, 2000)).toBeUndefined();
    expect(rx.feed(reports[3]!, 2500)).toEqual(message(A, HKP_MSG, counting(200)));
  });

  test('poll() reports MSG_TIMEOUT once the next packet is overdue, exactly once', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A, 1000);
    expect(rx.poll(1500)).toBeUndefined();
    expect(rx.poll(1501)).toEqual(error(A, HidError.MSG_TIMEOUT));
    expect(rx.poll(1502)).toBeUndefined();
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.feed(second, 1503)).toBeUndefined();
  });

  test('a late continuation is ignored and reports the MSG_TIMEOUT', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A, 0);
    expect(rx.feed(second, 501)).toEqual(error(A, HidError.MSG_TIMEOUT));
  });

  test('a late request of another channel is served; the MSG_TIMEOUT follows on poll()', () => {
    const rx = new HidReceiver();
    expect(rx.needsPoll).toBe(false);
    startTwoPacketMessage(rx, A, 0);
    expect(rx.needsPoll).toBe(true);
    expect(rx.feed(initPacket(B, PING, 1, hex('42')), 900)).toEqual(message(B, PING, hex('42')));
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.needsPoll).toBe(true);
    expect(rx.poll(900)).toEqual(error(A, HidError.MSG_TIMEOUT));
    expect(rx.needsPoll).toBe(false);
    expect(rx.poll(900)).toBeUndefined();
  });

  test('a late request that starts a new assembly returns the MSG_TIMEOUT at once', () => {
    const rx = new HidReceiver();
    startTwoPacketMessage(rx, A, 0);
    const secondB = startTwoPacketMessageExpectingTimeout(rx, B, 700);
    expect(rx.feed(secondB, 800)).toEqual(message(B, HKP_MSG, counting(100)));
  });

  test('a late INIT on the same channel is served after the timeout', () => {
    const rx = new HidReceiver();
    startTwoPacketMessage(rx, A, 0);
    expect(rx.feed(initPacket(A, INIT, 8, counting(8)), 600)).toEqual(message(A, INIT, counting(8)));
    expect(rx.poll(600)).toEqual(error(A, HidError.MSG_TIMEOUT));
  });

  test('the timeout is configurable', () => {
    const rx = new HidReceiver({ packetTimeoutMs: 50 });
    startTwoPacketMessage(rx, A, 0);
    expect(rx.poll(51)).toEqual(error(A, HidError.MSG_TIMEOUT));
  });

  test('a clock that goes backwards or is NaN never expires a request', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A, 1000);
    expect(rx.poll(Number.NaN)).toBeUndefined();
    expect(rx.poll(0)).toBeUndefined();
    expect(rx.feed(second, 10)).toEqual(message(A, HKP_MSG, counting(100)));
  });

  function startTwoPacketMessageExpectingTimeout(rx: HidReceiver, cid: number, now: number): Uint8Array {
    const [first, second] = encodeHidMessage(cid, HKP_MSG, counting(100));
    expect(rx.feed(first!, now)).toEqual(error(A, HidError.MSG_TIMEOUT));
    return second!;
  }
});

describe('HidReceiver.reset', () => {
  test('reset(cid) forgets that channel’s request, busy mark, lock and pending timeout only', () => {
    const rx = new HidReceiver();
    const second = startTwoPacketMessage(rx, A);
    rx.busyChannel = A;
    rx.lock(A, 1000, 0);
    rx.reset(B);
    expect(rx.assemblingChannel).toBe(A);
    expect(rx.busyChannel).toBe(A);
    expect(rx.lockHolder(0)).toBe(A);
    rx.reset(A);
    expect(rx.assemblingChannel).toBeUndefined();
    expect(rx.busyChannel).toBeUndefined();
    expect(rx.lockHolder(0)).toBeUndefined();
    expect(rx.feed(second, 0)).toBeUndefined();
  });

  test('reset(cid) drops a pending MSG_TIMEOUT of that channel', () => {
    const rx = new HidReceiver();
    startTwoPacketMessage(rx, A, 0);
    rx.feed(initPacket(B, PING, 0), 600);
    rx.reset(A);
    expect(rx.poll(600)).toBeUndefined();
  });

  test('reset() forgets everything', () => {
    const rx = new HidReceiver();
    startTwoPacketMessage(rx, A, 0);
    rx.feed(initPacket(B, PING, 0), 600);
    rx.busyChannel = B;
    rx.lock(B, 1000, 600);
    rx.reset();
    expect(rx.poll(600)).toBeUndefined();
    expect(rx.busyChannel).toBeUndefined();
    expect(rx.lockHolder(600)).toBeUndefined();
    expect(rx.feed(initPacket(A, PING, 0), 600)?.type).toBe('message');
  });
});
