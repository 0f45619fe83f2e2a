import { describe, expect, test } from 'vitest';
import { type CborStatusName, decodeMessageParams, encodeMessage } from '../src/cbor/index.js';
import type { CborValue } from '../src/cbor-types.js';
import { expectCborError, hex } from './cbor-helpers.js';

describe('decodeMessageParams (docs/protocol.md §3.2.1)', () => {
  test('no bytes after the head byte is an empty map', () => {
    expect(decodeMessageParams(hex('10'), 1)).toEqual(new Map());
  });

  test('an explicit empty map is accepted too (docs/protocol.md §3.1)', () => {
    expect(decodeMessageParams(hex('10 a0'), 1)).toEqual(new Map());
  });

  test('decodes the map after the head byte', () => {
    expect(decodeMessageParams(hex('00 a2 01 66 31 32 33 34 35 36 02 1a 65 53 f1 0a'), 1)).toEqual(
      new Map<number, CborValue>([
        [1, '123456'],
        [2, 1700000010],
      ]),
    );
  });

  test('round-trips encodeMessage', () => {
    const params = new Map<number, CborValue>([
      [1, new Uint8Array([9, 8])],
      [7, [true, -3]],
    ]);
    expect(decodeMessageParams(encodeMessage(0x21, params), 1)).toEqual(params);
  });

  test('works on a view into a larger buffer without copying it', () => {
    const frame = hex('ff ff 05 a1 01 02 ff');
    const message = frame.subarray(2, 6);
    expect(decodeMessageParams(message, 1)).toEqual(new Map([[1, 2]]));
  });

  test.each([
    ['10 01', 'an unsigned integer'],
    ['10 20', 'a negative integer'],
    ['10 40', 'a byte string'],
    ['10 60', 'a text string'],
    ['10 80', 'an array'],
    ['10 9f ff', 'an indefinite array'],
    ['10 c0 a0', 'a tagged map'],
    ['10 f6', 'null'],
    ['10 f5', 'true'],
    ['10 fb 00 00 00 00 00 00 00 00', 'a float'],
  ])('%s: %s is CBOR_NOT_A_MAP at byte 1', (input) => {
    expectCborError(() => decodeMessageParams(hex(input), 1), 'CBOR_NOT_A_MAP', 1);
  });

  test.each<[string, CborStatusName, number, string]>([
    ['10 bf ff', 'CBOR_INDEFINITE_LENGTH', 1, 'an indefinite map is still a map'],
    ['10 bc', 'CBOR_MALFORMED', 1, 'a map head with reserved additional information'],
    ['10 a1 01', 'CBOR_MALFORMED', 3, 'truncated map'],
    ['10 a0 00', 'CBOR_TRAILING_BYTES', 2, 'bytes after the map'],
    ['10 a1 02 81 81 81 81 00', 'CBOR_TOO_DEEP', 6, 'the top-level map is depth 1'],
    ['10 a2 01 00 01 00', 'CBOR_DUPLICATE_KEY', 4, 'offsets count from the head byte'],
  ])('%s -> %s at byte %i: %s', (input, code, offset) => {
    expectCborError(() => decodeMessageParams(hex(input), 1), code, offset);
  });

  test('limits apply', () => {
    expectCborError(() => decodeMessageParams(hex('10 a2 01 00 02 00'), 1, { maxMapPairs: 1 }), 'CBOR_LIMIT_EXCEEDED', 1);
    expect(decodeMessageParams(hex('10 a1 01 81 81 81 00'), 1)).toEqual(new Map([[1, [[[0]]]]]));
  });

  test('a start outside the message is a RangeError', () => {
    expect(() => decodeMessageParams(hex('10'), 2)).toThrow(RangeError);
    expect(() => decodeMessageParams(hex('10'), -1)).toThrow(RangeError);
    expect(() => decodeMessageParams(hex('10 a0'), 0.5)).toThrow(RangeError);
  });

  test('bad limits are a RangeError even when there are no parameters', () => {
    expect(() => decodeMessageParams(hex('10'), 1, { maxDepth: 100 })).toThrow(RangeError);
  });
});
