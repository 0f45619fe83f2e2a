import { describe, expect, test } from 'vitest';
import { decodeCbor, encodeCbor, encodeMessage } from '../src/cbor/index.js';
import type { CborMap, CborValue } from '../src/cbor-types.js';
import { CborError } from '../src/errors.js';
import { Status } from '../src/status.js';
import { hex, toHex } from './cbor-helpers.js';

/** RFC 8949 Appendix A examples that fall within the HKP/1 data model (docs/protocol.md §3.2). */
const rfc8949Examples: readonly [CborValue, string][] = [
  [0, '00'],
  [1, '01'],
  [10, '0a'],
  [23, '17'],
  [24, '1818'],
  [25, '1819'],
  [100, '1864'],
  [1000, '1903e8'],
  [1000000, '1a000f4240'],
  [1000000000000, '1b000000e8d4a51000'],
  [18446744073709551615n, '1bffffffffffffffff'],
  [-18446744073709551616n, '3bffffffffffffffff'],
  [-1, '20'],
  [-10, '29'],
  [-100, '3863'],
  [-1000, '3903e7'],
  [false, 'f4'],
  [true, 'f5'],
  [new Uint8Array([]), '40'],
  [new Uint8Array([1, 2, 3, 4]), '4401020304'],
  ['', '60'],
  ['a', '6161'],
  ['IETF', '6449455446'],
  ['"\\', '62225c'],
  ['\u00fc', '62c3bc'],
  ['\u6c34', '63e6b0b4'],
  ['\ud800\udd51', '64f0908591'],
  [[], '80'],
  [[1, 2, 3], '83010203'],
  [[1, [2, 3], [4, 5]], '8301820203820405'],
  [Array.from({ length: 25 }, (_, index) => index + 1), '98190102030405060708090a0b0c0d0e0f101112131415161718181819'],
  [new Map(), 'a0'],
  [
    new Map([
      [1, 2],
      [3, 4],
    ]),
    'a201020304',
  ],
];

describe('canonical encoding (docs/protocol.md §3.2.3)', () => {
  test.each(rfc8949Examples)('%o encodes as %s and decodes back', (value, expected) => {
    expect(toHex(encodeCbor(value))).toBe(expected);
    expect(decodeCbor(hex(expected))).toEqual(value);
  });

  test.each<[CborValue, string]>([
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [4294967295, '1affffffff'],
    [4294967296, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [-24, '37'],
    [-25, '3818'],
    [-256, '38ff'],
    [-257, '390100'],
    [-4294967296, '3affffffff'],
    [-4294967297, '3b0000000100000000'],
    [-Number.MAX_SAFE_INTEGER, '3b001ffffffffffffe'],
    [2n ** 53n, '1b0020000000000000'],
    [-(2n ** 53n), '3b001fffffffffffff'],
  ])('integer %s uses the shortest head %s', (value, expected) => {
    expect(toHex(encodeCbor(value))).toBe(expected);
  });

  test('a bigint that fits a safe number encodes exactly like the number', () => {
    for (const value of [0, 1, 23, 24, -1, -25, 65536, 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      expect(toHex(encodeCbor(BigInt(value)))).toBe(toHex(encodeCbor(value)));
    }
  });

  test('-0 encodes as 0', () => {
    expect(toHex(encodeCbor(-0))).toBe('00');
  });

  test('lengths use the shortest head too', () => {
    expect(toHex(encodeCbor('a'.repeat(23))).slice(0, 2)).toBe('77');
    expect(toHex(encodeCbor('a'.repeat(24))).slice(0, 4)).toBe('7818');
    expect(toHex(encodeCbor('a'.repeat(256))).slice(0, 6)).toBe('790100');
    expect(toHex(encodeCbor(new Uint8Array(70000))).slice(0, 10)).toBe('5a00011170');
    expect(toHex(encodeCbor('ü'.repeat(12))).slice(0, 4)).toBe('7818');
  });

  test('map keys are written in ascending order whatever the insertion order', () => {
    const map: CborMap = new Map<number, CborValue>([
      [255, 1],
      [3, 'x'],
      [24, [true]],
      [
        0,
        new Map([
          [2, 0],
          [1, 0],
        ]),
      ],
    ]);
    expect(toHex(encodeCbor(map))).toBe('a4' + '00a2' + '0100' + '0200' + '036178' + '181881f5' + '18ff01');
  });

  test('a large value grows the buffer and later small values are still right', () => {
    const big = Array.from({ length: 40 }, (_, index) => new Uint8Array(3000).fill(index));
    const encoded = encodeCbor(big);
    expect(encoded.length).toBe(2 + 40 * 3003);
    expect(decodeCbor(encoded, { maxArrayItems: 40, maxStringBytes: 3000 })).toEqual(big);
    expect(toHex(encodeCbor(new Map([[1, 513]])))).toBe('a101190201');
  });

  test('each result is a fresh array that later calls do not overwrite', () => {
    const first = encodeCbor('first');
    encodeCbor('second');
    expect(toHex(first)).toBe('656669727374');
  });

  test('non-ASCII text of every UTF-8 length', () => {
    const text = 'a\u00e9\u20ac\u{1f511}';
    expect(toHex(encodeCbor(text))).toBe('6a' + '61' + 'c3a9' + 'e282ac' + 'f09f9491');
    expect(toHex(encodeCbor(text))).toBe('6a' + toHex(new TextEncoder().encode(text)));
  });
});

describe('values outside the data model', () => {
  test.each<[string, unknown, string, number]>([
    ['1.5', 1.5, 'CBOR_FLOAT_NOT_ALLOWED', Status.CBOR_FLOAT_NOT_ALLOWED],
    ['NaN', Number.NaN, 'CBOR_FLOAT_NOT_ALLOWED', Status.CBOR_FLOAT_NOT_ALLOWED],
    ['Infinity', Number.POSITIVE_INFINITY, 'CBOR_FLOAT_NOT_ALLOWED', Status.CBOR_FLOAT_NOT_ALLOWED],
    ['2^53', 2 ** 53, 'CBOR_UNSAFE_INTEGER', Status.OTHER],
    ['-(2^53)', -(2 ** 53), 'CBOR_UNSAFE_INTEGER', Status.OTHER],
    ['2^64 as bigint', 2n ** 64n, 'CBOR_INTEGER_OUT_OF_RANGE', Status.OTHER],
    ['-(2^64)-1 as bigint', -(2n ** 64n) - 1n, 'CBOR_INTEGER_OUT_OF_RANGE', Status.OTHER],
    ['null', null, 'CBOR_SIMPLE_NOT_ALLOWED', Status.CBOR_SIMPLE_NOT_ALLOWED],
    ['undefined', undefined, 'CBOR_SIMPLE_NOT_ALLOWED', Status.CBOR_SIMPLE_NOT_ALLOWED],
    ['a lone high surrogate', 'a\ud800', 'CBOR_INVALID_UTF8', Status.CBOR_INVALID_UTF8],
    ['a lone low surrogate', '\udc00b', 'CBOR_INVALID_UTF8', Status.CBOR_INVALID_UTF8],
    ['key 256', new Map([[256, 0]]), 'CBOR_INVALID_KEY', Status.CBOR_INVALID_KEY],
    ['key -1', new Map([[-1, 0]]), 'CBOR_INVALID_KEY', Status.CBOR_INVALID_KEY],
    ['key 1.5', new Map([[1.5, 0]]), 'CBOR_INVALID_KEY', Status.CBOR_INVALID_KEY],
    ['a string key', new Map([['1', 0]]), 'CBOR_INVALID_KEY', Status.CBOR_INVALID_KEY],
    [
      'a bad key after unsorted keys',
      new Map<unknown, number>([
        [2, 0],
        [1, 0],
        ['x', 0],
      ]),
      'CBOR_INVALID_KEY',
      Status.CBOR_INVALID_KEY,
    ],
    ['a plain object', { 1: 2 }, 'CBOR_UNSUPPORTED_TYPE', Status.OTHER],
    ['a Uint16Array', new Uint16Array(2), 'CBOR_UNSUPPORTED_TYPE', Status.OTHER],
    ['a symbol', Symbol('s'), 'CBOR_UNSUPPORTED_TYPE', Status.OTHER],
    ['a function', () => 0, 'CBOR_UNSUPPORTED_TYPE', Status.OTHER],
    ['a float inside a map', new Map([[1, [0.5]]]), 'CBOR_FLOAT_NOT_ALLOWED', Status.CBOR_FLOAT_NOT_ALLOWED],
  ])('%s throws %s', (_label, value, code, status) => {
    let caught: unknown;
    try {
      encodeCbor(value as CborValue);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CborError);
    expect((caught as CborError).code).toBe(code);
    expect((caught as CborError).status).toBe(status);
  });

  test('the error offset is where the value would have been written', () => {
    expect(() => encodeCbor([1, 2, null] as unknown as CborValue)).toThrow(expect.objectContaining({ offset: 3 }));
  });

  test('a cyclic value throws CBOR_TOO_DEEP instead of overflowing the stack', () => {
    const cyclic: CborValue[] = [];
    cyclic.push(cyclic);
    expect(() => encodeCbor(cyclic)).toThrow(expect.objectContaining({ code: 'CBOR_TOO_DEEP' }));
  });

  test('an error leaves the encoder usable', () => {
    expect(() => encodeCbor([1, 'x', 0.5])).toThrow(CborError);
    expect(toHex(encodeCbor([1]))).toBe('8101');
  });
});

describe('encodeMessage (docs/protocol.md §3.1, §3.2.1)', () => {
  test('the head byte alone when there are no parameters', () => {
    expect(toHex(encodeMessage(0x10))).toBe('10');
  });

  test('the head byte then the canonical map', () => {
    expect(
      toHex(
        encodeMessage(
          0x00,
          new Map<number, CborValue>([
            [2, 1700000010],
            [1, '123456'],
          ]),
        ),
      ),
    ).toBe('00a20166313233343536021a6553f10a');
  });

  test('an empty map is still written when given', () => {
    expect(toHex(encodeMessage(0x7f, new Map()))).toBe('7fa0');
  });

  test.each([-1, 256, 1.5, Number.NaN])('head byte %s is a RangeError', (headByte) => {
    expect(() => encodeMessage(headByte)).toThrow(RangeError);
  });

  test('a parameter error names its offset in the message', () => {
    expect(() => encodeMessage(0x01, new Map([[1, Number.NaN]]))).toThrow(expect.objectContaining({ code: 'CBOR_FLOAT_NOT_ALLOWED', offset: 3 }));
  });
});
