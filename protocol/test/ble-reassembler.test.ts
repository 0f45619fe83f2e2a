import { describe, expect, test } from 'vitest';
import { BLE_MAX_MESSAGE_SIZE, BleCommand, BleError, BleReassembler, type BleReceiveResult, encodeBleMessage } from '../src/ble/index.js';
import { counting, hex } from './framing-helpers.js';

function message(cmd: number, payload: Uint8Array): BleReceiveResult {
  return { type: 'message', cmd, payload };
}
function error(code: number): BleReceiveResult {
  return { type: 'error', code } as BleReceiveResult;
}
function feedAll(rx: BleReassembler, fragments: Uint8Array[], now = 0): BleReceiveResult | undefined {
  let last: BleReceiveResult | undefined;
  for (const f of fragments) last = rx.feed(f, now);
  return last;
}

describe('BleReassembler: complete messages', () => {
  test('a single-fragment message is delivered at once, as a copy', () => {
    const rx = new BleReassembler();
    const fragment = hex('83000304aabb');
    const result = rx.feed(fragment, 0);
    expect(result).toEqual(message(BleCommand.MSG, hex('04aabb')));
    fragment.fill(0);
    expect(result?.type === 'message' && result.payload[0]).toBe(4);
  });

  test('a 7609-byte message at MTU 23 reassembles across three SEQ wraps', () => {
    const rx = new BleReassembler();
    const payload = counting(BLE_MAX_MESSAGE_SIZE, 9);
    const fragments = encodeBleMessage(BleCommand.MSG, payload, 20);
    for (const f of fragments.slice(0, -1)) expect(rx.feed(f, 0)).toBeUndefined();
    expect(rx.feed(fragments.at(-1)!, 0)).toEqual(message(BleCommand.MSG, payload));
  });

  test('fragments may change size mid-message (MTU exchange, §2.3)', () => {
    const rx = new BleReassembler();
    const payload = counting(300);
    const small = encodeBleMessage(BleCommand.MSG, payload, 20);
    // First three fragments at MTU 23, then the rest re-cut at fragment size 100.
    const sent = small.slice(0, 3);
    let at = 17 + 2 * 19;
    for (let seq = 2; at < payload.length; seq++) {
      const chunk = payload.subarray(at, at + 99);
      sent.push(Uint8Array.of(seq, ...chunk));
      at += chunk.length;
    }
    expect(feedAll(rx, sent)).toEqual(message(BleCommand.MSG, payload));
  });

  test('the host direction: KEEPALIVE and ERROR are delivered as messages', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('82000102'), 0)).toEqual(message(BleCommand.KEEPALIVE, hex('02')));
    expect(rx.feed(hex('bf000106'), 0)).toEqual(message(BleCommand.ERROR, hex('06')));
  });
});

describe('BleReassembler: the ordered rules of docs/protocol.md §2.9', () => {
  test('rule 1: an empty fragment is ignored', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(30), 20);
    rx.feed(fragments[0]!, 0);
    expect(rx.feed(new Uint8Array(0), 0)).toBeUndefined();
    expect(rx.feed(fragments[1]!, 0)).toEqual(message(BleCommand.MSG, counting(30)));
  });

  test('rule 2: a continuation with no message in progress is ignored', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('00010203'), 0)).toBeUndefined();
    expect(rx.feed(hex('7f'), 0)).toBeUndefined();
  });

  test('rule 2: a wrong SEQ answers INVALID_SEQ and drops the message', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(60), 20);
    rx.feed(fragments[0]!, 0);
    expect(rx.feed(fragments[2]!, 0)).toEqual(error(BleError.INVALID_SEQ));
    expect(rx.assembling).toBe(false);
    expect(rx.feed(fragments[1]!, 0)).toBeUndefined();
  });

  test('rule 2: a continuation carrying more than the declared length answers INVALID_LEN', () => {
    const rx = new BleReassembler();
    rx.feed(hex('830014' + '00'.repeat(17)), 0);
    expect(rx.feed(hex('00010203'), 0)).toEqual(message(BleCommand.MSG, hex('00'.repeat(17) + '010203')));
    rx.feed(hex('830014' + '00'.repeat(17)), 0);
    expect(rx.feed(hex('0001020304'), 0)).toEqual(error(BleError.INVALID_LEN));
    expect(rx.assembling).toBe(false);
  });

  test('rule 3: an initialization fragment mid-message answers INVALID_SEQ and drops both', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(30), 20);
    rx.feed(fragments[0]!, 0);
    expect(rx.feed(hex('810000'), 0)).toEqual(error(BleError.INVALID_SEQ));
    expect(rx.feed(fragments[1]!, 0)).toBeUndefined();
  });

  test('rule 3: CANCEL mid-message drops it silently', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(30), 20);
    rx.feed(fragments[0]!, 0);
    expect(rx.feed(hex('be0000'), 0)).toBeUndefined();
    expect(rx.assembling).toBe(false);
    expect(rx.feed(fragments[1]!, 0)).toBeUndefined();
  });

  test('rule 4: an initialization fragment shorter than 3 bytes answers INVALID_LEN', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('83'), 0)).toEqual(error(BleError.INVALID_LEN));
    expect(rx.feed(hex('8300'), 0)).toEqual(error(BleError.INVALID_LEN));
  });

  test('rule 5: a declared length over 7609 answers INVALID_LEN; 7609 is accepted', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('831dba'), 0)).toEqual(error(BleError.INVALID_LEN));
    expect(rx.feed(hex('83ffff'), 0)).toEqual(error(BleError.INVALID_LEN));
    expect(rx.feed(hex('831db9'), 0)).toBeUndefined();
    expect(rx.assembling).toBe(true);
  });

  test('rule 5: an initialization fragment carrying more than the declared length answers INVALID_LEN', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('8300010203'), 0)).toEqual(error(BleError.INVALID_LEN));
  });

  test('CANCEL is never answered: its framing errors are dropped (§2.7)', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('be'), 0)).toBeUndefined();
    expect(rx.feed(hex('beffff'), 0)).toBeUndefined();
    expect(rx.feed(hex('be000001'), 0)).toBeUndefined();
    expect(rx.feed(hex('be0000'), 0)).toEqual(message(BleCommand.CANCEL, new Uint8Array(0)));
  });

  test('any command byte with bit 7 is delivered; answering INVALID_CMD is the device’s job', () => {
    const rx = new BleReassembler();
    expect(rx.feed(hex('800000'), 0)).toEqual(message(0x80, new Uint8Array(0)));
    expect(rx.feed(hex('ff0000'), 0)).toEqual(message(0xff, new Uint8Array(0)));
  });
});

describe('BleReassembler: inter-fragment timeout (docs/protocol.md §2.10)', () => {
  test('2000 ms is allowed between fragments; more answers REQ_TIMEOUT', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(60), 20);
    rx.feed(fragments[0]!, 0);
    rx.feed(fragments[1]!, 2000);
    expect(rx.poll(4000)).toBeUndefined();
    expect(rx.poll(4001)).toEqual(error(BleError.REQ_TIMEOUT));
    expect(rx.poll(4002)).toBeUndefined();
    expect(rx.feed(fragments[2]!, 4003)).toBeUndefined();
  });

  test('a late continuation is ignored and reports REQ_TIMEOUT', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(30), 20);
    rx.feed(fragments[0]!, 0);
    expect(rx.feed(fragments[1]!, 2001)).toEqual(error(BleError.REQ_TIMEOUT));
  });

  test('a late new message is served; the REQ_TIMEOUT follows on poll()', () => {
    const rx = new BleReassembler();
    rx.feed(encodeBleMessage(BleCommand.MSG, counting(30), 20)[0]!, 0);
    expect(rx.feed(hex('810000'), 5000)).toEqual(message(BleCommand.PING, new Uint8Array(0)));
    expect(rx.assembling).toBe(false);
    expect(rx.needsPoll).toBe(true);
    expect(rx.poll(5000)).toEqual(error(BleError.REQ_TIMEOUT));
    expect(rx.needsPoll).toBe(false);
  });

  test('a late message that starts a new assembly returns the REQ_TIMEOUT at once', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(30), 20);
    rx.feed(fragments[0]!, 0);
    expect(rx.feed(fragments[0]!, 5000)).toEqual(error(BleError.REQ_TIMEOUT));
    expect(rx.feed(fragments[1]!, 5001)).toEqual(message(BleCommand.MSG, counting(30)));
  });

  test('the timeout is configurable', () => {
    const rx = new BleReassembler({ fragmentTimeoutMs: 100 });
    rx.feed(encodeBleMessage(BleCommand.MSG, counting(30), 20)[0]!, 0);
    expect(rx.poll(101)).toEqual(error(BleError.REQ_TIMEOUT));
  });

  test('reset() drops the partial message and a pending timeout', () => {
    const rx = new BleReassembler();
    const fragments = encodeBleMessage(BleCommand.MSG, counting(30), 20);
    rx.feed(fragments[0]!, 0);
    rx.feed(hex('810000'), 5000);
    rx.reset();
    expect(rx.poll(5000)).toBeUndefined();
    expect(rx.feed(fragments[1]!, 5000)).toBeUndefined();
  });
});
