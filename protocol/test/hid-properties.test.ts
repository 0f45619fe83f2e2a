import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  encodeHidMessage,
  HID_BROADCAST_CID,
  HID_MAX_MESSAGE_SIZE,
  HidCommand,
  HidError,
  HidReceiver,
  HidResponseReader,
  hidPacketCount,
  type HidReceiveResult,
  type HidResponseEvent,
} from '../src/hid/index.js';
import { sameBytes, seededBytes } from './framing-helpers.js';

const ERROR_CODES = new Set<number>(Object.values(HidError));
const cidArb = fc.integer({ min: 1, max: HID_BROADCAST_CID - 1 });
const cmdArb = fc.integer({ min: 0, max: 0x7f });
const payloadArb = fc.tuple(fc.integer({ min: 0, max: HID_MAX_MESSAGE_SIZE }), fc.integer()).map(([length, seed]) => seededBytes(length, seed));

/** A receiver result is nothing, a well-formed message, or one of the defined ERROR codes. */
function expectDefined(result: HidReceiveResult | undefined): void {
  if (result === undefined) return;
  expect(Number.isInteger(result.cid) && result.cid >= 0 && result.cid <= HID_BROADCAST_CID).toBe(true);
  if (result.type === 'message') {
    expect(result.cmd).toBeGreaterThanOrEqual(0);
    expect(result.cmd).toBeLessThanOrEqual(0x7f);
    expect(result.payload.length).toBeLessThanOrEqual(HID_MAX_MESSAGE_SIZE);
  } else {
    expect(result.type).toBe('error');
    expect(ERROR_CODES.has(result.code)).toBe(true);
  }
}

function expectDefinedEvent(event: HidResponseEvent | undefined): void {
  if (event === undefined) return;
  expect(['message', 'keepalive', 'error', 'framing-error']).toContain(event.type);
  if (event.type === 'framing-error') expect([HidError.INVALID_SEQ, HidError.INVALID_LEN]).toContain(event.code);
  if (event.type === 'message') expect(event.payload.length).toBeLessThanOrEqual(HID_MAX_MESSAGE_SIZE);
}

type Mutation =
  | { kind: 'flip'; at: number; offset: number; value: number }
  | { kind: 'drop'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'truncate'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), offset: fc.integer({ min: 0, max: 63 }), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), length: fc.integer({ min: 0, max: 70 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 64, maxLength: 64 }) }),
);

function mutate(reports: Uint8Array[], mutations: Mutation[]): Uint8Array[] {
  const out: Uint8Array[] = reports.map((r) => r.slice());
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at]![m.offset] = m.value;
    else if (m.kind === 'drop') out.splice(at, 1);
    else if (m.kind === 'duplicate') out.splice(at, 0, out[at]!.slice());
    else if (m.kind === 'swap') [out[at], out[m.with % out.length]] = [out[m.with % out.length]!, out[at]!];
    else if (m.kind === 'truncate') out[at] = Uint8Array.from({ length: m.length }, (_, i) => out[at]![i] ?? 0);
    else out.splice(at, 0, m.bytes);
  }
  return out;
}

describe('HID framing properties', () => {
  test('round trip: any payload, CID and command comes back whole through HidReceiver', () => {
    fc.assert(
      fc.property(cidArb, cmdArb, payloadArb, (cid, cmd, payload) => {
        const reports = encodeHidMessage(cid, cmd, payload);
        expect(reports).toHaveLength(hidPacketCount(payload.length));
        const rx = new HidReceiver();
        const results = reports.map((r, i) => rx.feed(r, i * 10));
        expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
        const last = results.at(-1);
        expect(last?.type === 'message' && last.cid === cid && last.cmd === cmd && sameBytes(last.payload, payload)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('round trip through HidResponseReader; padding is zero', () => {
    const responseCmdArb = cmdArb.filter((cmd) => cmd !== HidCommand.KEEPALIVE && cmd !== HidCommand.ERROR);
    fc.assert(
      fc.property(cidArb, responseCmdArb, payloadArb, (cid, cmd, payload) => {
        const reports = encodeHidMessage(cid, cmd, payload);
        const last = reports.at(-1)!;
        const used = payload.length <= 57 ? 7 + payload.length : 5 + ((payload.length - 57 - 1) % 59) + 1;
        expect(last.subarray(used).every((b) => b === 0)).toBe(true);
        const reader = new HidResponseReader(cid);
        let event: HidResponseEvent | undefined;
        for (const r of reports) event = reader.feed(r);
        expect(event?.type === 'message' && event.cmd === cmd && sameBytes(event.payload, payload)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('random byte arrays never throw and yield only defined results', () => {
    const packetArb = fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 0, maxLength: 130 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(packetArb, fc.integer({ min: 0, max: 700 })), { maxLength: 60 }), (stream) => {
        const rx = new HidReceiver();
        const reader = new HidResponseReader(0x01020304);
        let now = 0;
        for (const [packet, gap] of stream) {
          now += gap;
          expectDefined(rx.feed(packet, now));
          expectDefined(rx.poll(now));
          expectDefinedEvent(reader.feed(packet));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('mutated valid packet streams never throw and yield only defined results', () => {
    fc.assert(
      fc.property(
        cidArb,
        cmdArb,
        fc.integer({ min: 0, max: 1200 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 30 }),
        (cid, cmd, length, mutations, gaps) => {
          const stream = mutate(encodeHidMessage(cid, cmd, new Uint8Array(length).fill(0x5a)), mutations);
          const rx = new HidReceiver();
          const reader = new HidResponseReader(cid);
          let now = 0;
          stream.forEach((packet, i) => {
            now += gaps[i % gaps.length]!;
            expectDefined(rx.feed(packet, now));
            expectDefinedEvent(reader.feed(packet));
          });
          expectDefined(rx.poll(now + 10_000));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('interleaved channels: the first channel’s request arrives intact, the other is told CHANNEL_BUSY', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(cidArb, { minLength: 2, maxLength: 2 }),
        fc.integer({ min: 58, max: 2000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        ([a, b], lengthA, lengthB, picks) => {
          const payloadA = new Uint8Array(lengthA).fill(0xaa);
          const streamA = encodeHidMessage(a!, HidCommand.HKP_MSG, payloadA);
          const streamB = encodeHidMessage(b!, HidCommand.HKP_MSG, new Uint8Array(lengthB).fill(0xbb));
          const rx = new HidReceiver();
          const results: HidReceiveResult[] = [];
          const push = (r: HidReceiveResult | undefined): void => {
            if (r) results.push(r);
          };
          push(rx.feed(streamA[0]!, 0));
          let nextA = 1;
          let nextB = 0;
          for (const pickB of picks) {
            // B only speaks while A is still being assembled.
            if (nextA === streamA.length) break;
            if (pickB && nextB < streamB.length) push(rx.feed(streamB[nextB++]!, 0));
            else if (nextA < streamA.length) push(rx.feed(streamA[nextA++]!, 0));
          }
          while (nextA < streamA.length) push(rx.feed(streamA[nextA++]!, 0));
          const toA = results.filter((r) => r.cid === a);
          expect(toA).toHaveLength(1);
          expect(toA[0]?.type === 'message' && toA[0].cmd === HidCommand.HKP_MSG && sameBytes(toA[0].payload, payloadA)).toBe(true);
          const toB = results.filter((r) => r.cid === b);
          expect(toB.length).toBeLessThanOrEqual(1);
          if (nextB > 0) expect(toB).toEqual([{ type: 'error', cid: b, code: HidError.CHANNEL_BUSY }]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
