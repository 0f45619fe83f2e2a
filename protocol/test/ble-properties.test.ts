import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BLE_MAX_MESSAGE_SIZE,
  BleCommand,
  BleError,
  bleFragmentCount,
  bleFragmentSize,
  BleReassembler,
  type BleReceiveResult,
  encodeBleMessage,
} from '../src/ble/index.js';
import { sameBytes, seededBytes } from './framing-helpers.js';

const ERROR_CODES = new Set<number>(Object.values(BleError));
const cmdArb = fc.integer({ min: 0x80, max: 0xff });
const payloadArb = fc.tuple(fc.integer({ min: 0, max: BLE_MAX_MESSAGE_SIZE }), fc.integer()).map(([length, seed]) => seededBytes(length, seed));

function expectDefined(result: BleReceiveResult | undefined): void {
  if (result === undefined) return;
  if (result.type === 'message') {
    expect(result.cmd & 0x80).toBe(0x80);
    expect(result.payload.length).toBeLessThanOrEqual(BLE_MAX_MESSAGE_SIZE);
  } else {
    expect(result.type).toBe('error');
    expect(ERROR_CODES.has(result.code)).toBe(true);
  }
}

describe('BLE framing properties', () => {
  test('round trip at any MTU 23..512 and control point length 20..512', () => {
    fc.assert(
      fc.property(fc.integer({ min: 23, max: 512 }), fc.integer({ min: 20, max: 512 }), cmdArb, payloadArb, (mtu, controlPointLength, cmd, payload) => {
        const size = bleFragmentSize(mtu, controlPointLength);
        const fragments = encodeBleMessage(cmd, payload, size);
        expect(fragments).toHaveLength(bleFragmentCount(payload.length, size));
        expect(fragments.every((f) => f.length <= size && f.length <= mtu - 3)).toBe(true);
        const rx = new BleReassembler();
        const results = fragments.map((f, i) => rx.feed(f, i * 5));
        expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
        const last = results.at(-1);
        expect(last?.type === 'message' && last.cmd === cmd && sameBytes(last.payload, payload)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('at MTU 23, messages over 17 + 128 × 19 bytes wrap SEQ and still round-trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 17 + 128 * 19 + 1, max: BLE_MAX_MESSAGE_SIZE }), fc.integer(), (length, seed) => {
        const payload = seededBytes(length, seed);
        const fragments = encodeBleMessage(BleCommand.MSG, payload, bleFragmentSize(23, 512));
        expect(fragments.length).toBeGreaterThan(129);
        expect(fragments[129]![0]).toBe(0);
        const rx = new BleReassembler();
        let last: BleReceiveResult | undefined;
        for (const f of fragments) last = rx.feed(f, 0);
        expect(last?.type === 'message' && sameBytes(last.payload, payload)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  test('random byte arrays never throw and yield only defined results', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.integer({ min: 0, max: 3000 })), { maxLength: 80 }), (stream) => {
        const rx = new BleReassembler();
        let now = 0;
        for (const [fragment, gap] of stream) {
          now += gap;
          expectDefined(rx.feed(fragment, now));
          expectDefined(rx.poll(now));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('mutated valid fragment streams never throw and yield only defined results', () => {
    const mutationArb = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), offset: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), length: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('extend' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 5 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 20, max: 64 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 2500 }), { minLength: 1, maxLength: 20 }),
        (length, size, mutations, gaps) => {
          const stream = encodeBleMessage(BleCommand.MSG, new Uint8Array(length).fill(0x5a), size).map((f) => f.slice());
          for (const m of mutations) {
            if (stream.length === 0) break;
            const at = m.at % stream.length;
            const target = stream[at]!;
            if (m.kind === 'flip') {
              if (target.length > 0) target[m.offset % target.length] = m.value;
            } else if (m.kind === 'drop') stream.splice(at, 1);
            else if (m.kind === 'duplicate') stream.splice(at, 0, target.slice());
            else if (m.kind === 'truncate') stream[at] = target.slice(0, m.length);
            else stream[at] = Uint8Array.of(...target, ...m.bytes);
          }
          const rx = new BleReassembler();
          let now = 0;
          stream.forEach((fragment, i) => {
            now += gaps[i % gaps.length]!;
            expectDefined(rx.feed(fragment, now));
          });
          expectDefined(rx.poll(now + 10_000));
        },
      ),
      { numRuns: 300 },
    );
  });
});
