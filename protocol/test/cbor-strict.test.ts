import { describe, expect, test } from 'vitest';
import { type CborStatusName, DEFAULT_CBOR_LIMITS, decodeCbor } from '../src/cbor/index.js';
import type { CborValue } from '../src/cbor-types.js';
import { expectCborError, hex } from './cbor-helpers.js';

/** [input hex, offset of the failure, why this case matters] */
type RejectionRow = readonly [string, number, string];

/** Every decoder rule; CBOR_NOT_A_MAP belongs to decodeMessageParams (cbor-message.test.ts). */
const rejections: Record<Exclude<CborStatusName, 'CBOR_NOT_A_MAP'>, readonly RejectionRow[]> = {
  CBOR_MALFORMED: [
    ['', 0, 'empty input'],
    ['18', 0, '1-byte argument missing'],
    ['19 01', 0, '2-byte argument cut short'],
    ['1a 00 01 00', 0, '4-byte argument cut short'],
    ['1b 00 00 00 01 00 00 00', 0, '8-byte argument cut short'],
    ['1c', 0, 'reserved additional information 28'],
    ['3d', 0, 'reserved additional information 29'],
    ['5e', 0, 'reserved additional information 30'],
    ['7c', 0, 'reserved in a text head'],
    ['9d', 0, 'reserved in an array head'],
    ['be', 0, 'reserved in a map head'],
    ['fc', 0, 'reserved in major type 7'],
    ['1f', 0, 'unsigned integer with additional information 31'],
    ['3f', 0, 'negative integer with additional information 31'],
    ['62 61', 0, 'text string shorter than declared'],
    ['58 20 ' + '00'.repeat(31), 0, 'declared length one more than what remains'],
    ['82 01', 2, 'array missing its second item'],
    ['a1', 1, 'map missing its key'],
    ['a1 01', 2, 'map missing its value'],
    ['a1 18', 1, 'key argument missing'],
    ['81 81 19 01', 2, 'truncation deep inside'],
  ],
  CBOR_TRAILING_BYTES: [
    ['00 00', 1, 'two top-level items'],
    ['a0 00', 1, 'byte after an empty map'],
    ['81 00 ff', 2, 'a break byte after a definite array is trailing, not a break'],
    ['f5 c0', 1, 'trailing bytes are not inspected: a tag after the item is still trailing'],
    ['a1 01 02 a1', 3, 'a second map'],
  ],
  CBOR_NOT_CANONICAL: [
    ['18 17', 0, '23 fits in the initial byte'],
    ['18 00', 0, '0 in a 1-byte argument'],
    ['19 00 ff', 0, '255 in a 2-byte argument'],
    ['1a 00 00 ff ff', 0, '65535 in a 4-byte argument'],
    ['1b 00 00 00 00 ff ff ff ff', 0, '2^32-1 in an 8-byte argument'],
    ['1b 00 00 00 00 00 00 00 00', 0, '0 in an 8-byte argument'],
    ['38 05', 0, 'negative integer -6 in a 1-byte argument'],
    ['3b 00 00 00 00 00 00 00 00', 0, '-1 in an 8-byte argument'],
    ['58 01 00', 0, 'byte string length 1 in a 1-byte argument'],
    ['79 00 01 61', 0, 'text string length in a 2-byte argument'],
    ['9a 00 00 00 00', 0, 'array count in a 4-byte argument'],
    ['b8 00', 0, 'map count in a 1-byte argument'],
    ['a1 18 05 00', 1, 'map key 5 in a 1-byte argument'],
    ['82 00 18 01', 2, 'inside an array'],
  ],
  CBOR_INDEFINITE_LENGTH: [
    ['5f', 0, 'indefinite byte string'],
    ['5f 41 00 ff', 0, 'indefinite byte string with a chunk'],
    ['7f', 0, 'indefinite text string'],
    ['9f ff', 0, 'indefinite array'],
    ['bf ff', 0, 'indefinite map'],
    ['ff', 0, 'lone break byte'],
    ['82 00 ff', 2, 'break byte as an array item'],
    ['a1 01 9f ff', 2, 'indefinite array as a map value'],
  ],
  CBOR_DUPLICATE_KEY: [
    ['a2 01 00 01 00', 3, 'same key twice'],
    ['a2 01 00 01 01', 3, 'same key, different values'],
    ['a3 00 00 01 00 01 00', 5, 'duplicate after a valid pair'],
    ['a2 18 20 00 18 20 00', 4, 'duplicate 1-byte keys'],
    ['a2 18 ff 00 18 ff 00', 4, 'duplicate of the largest key'],
  ],
  CBOR_UNSORTED_KEYS: [
    ['a2 02 00 01 00', 3, 'descending keys'],
    ['a2 18 20 00 17 00', 4, 'a 1-byte key before a smaller immediate key'],
    ['a3 00 00 02 00 01 00', 5, 'third key out of order'],
    ['a2 18 ff 00 00 00', 4, 'largest key first'],
  ],
  CBOR_TAG_NOT_ALLOWED: [
    ['c0 60', 0, 'tag 0 (date/time string)'],
    ['c2 49 01 00 00 00 00 00 00 00 00', 0, 'bignum 2^64 (RFC 8949 Appendix A)'],
    ['d8 20 60', 0, 'tag 32 (URI)'],
    ['d9 d9 f7 00', 0, 'self-described CBOR'],
    ['d8', 0, 'a tag is rejected by its initial byte, even when truncated'],
    ['df', 0, 'tag with additional information 31'],
    ['81 c1 00', 1, 'tag inside an array'],
  ],
  CBOR_FLOAT_NOT_ALLOWED: [
    ['f9 00 00', 0, 'half-precision 0.0'],
    ['f9 3c 00', 0, 'half-precision 1.0'],
    ['f9 7e 00', 0, 'half-precision NaN'],
    ['fa 47 c3 50 00', 0, 'single-precision 100000.0'],
    ['fb 3f f1 99 99 99 99 99 9a', 0, 'double-precision 1.1'],
    ['fb', 0, 'a float is rejected by its initial byte, even when truncated'],
    ['a1 01 fa 00 00 00 00', 2, 'float as a map value'],
  ],
  CBOR_SIMPLE_NOT_ALLOWED: [
    ['f6', 0, 'null'],
    ['f7', 0, 'undefined'],
    ['e0', 0, 'simple(0)'],
    ['f0', 0, 'simple(16)'],
    ['f3', 0, 'simple(19)'],
    ['f8 20', 0, 'simple(32)'],
    ['f8 ff', 0, 'simple(255)'],
    ['f8 14', 0, 'simple(20) in two bytes (not well-formed in RFC 8949, rejected as simple here)'],
    ['f8', 0, 'truncated simple value'],
    ['82 f5 f6', 2, 'null after true'],
  ],
  CBOR_TOO_DEEP: [
    ['81 81 81 81 80', 4, 'empty array at depth 5'],
    ['81 81 81 81 81 00', 4, 'array at depth 5'],
    ['a1 01 81 81 81 a0', 5, 'map at depth 5 under a top-level map'],
    ['a1 00 a1 00 a1 00 a1 00 a1 00 00', 8, 'maps nested five deep'],
  ],
  CBOR_LIMIT_EXCEEDED: [
    ['59 01 01 ' + '00'.repeat(257), 0, 'byte string of 257 bytes'],
    ['79 01 01 ' + '61'.repeat(257), 0, 'text string of 257 bytes'],
    ['5a ff ff ff ff', 0, 'huge declared length with no content is a limit, not truncation'],
    ['5b 00 00 00 01 00 00 00 00', 0, '2^32-byte byte string'],
    ['98 21 ' + '00'.repeat(33), 0, 'array of 33 items'],
    ['9b 00 00 00 01 00 00 00 00', 0, '2^32-item array'],
    ['b8 19 ' + mapPairsHex(25), 0, 'map of 25 pairs'],
    ['a1 01 98 21', 2, 'oversized array as a map value'],
  ],
  CBOR_INVALID_UTF8: [
    ['61 80', 0, 'lone continuation byte'],
    ['61 ff', 0, 'byte 0xff never appears in UTF-8'],
    ['62 c3 28', 0, 'bad continuation byte'],
    ['62 c0 80', 0, 'overlong encoding of U+0000'],
    ['63 e0 80 80', 0, 'overlong 3-byte encoding'],
    ['63 ed a0 80', 0, 'UTF-16 surrogate U+D800'],
    ['64 f4 90 80 80', 0, 'code point above U+10FFFF'],
    ['62 e2 82', 0, 'sequence cut short by the string length'],
    ['78 21 ' + '61'.repeat(32) + '80', 0, 'invalid byte after 32 ASCII bytes'],
    ['a1 01 61 80', 2, 'invalid text as a map value'],
  ],
  CBOR_INVALID_KEY: [
    ['a1 19 01 00 00', 1, 'key 256'],
    ['a1 19 00 05 00', 1, 'a 2-byte key head is never a valid key, even for a small value'],
    ['a1 20 00', 1, 'negative key -1'],
    ['a1 61 61 00', 1, 'text key'],
    ['a1 40 00', 1, 'byte string key'],
    ['a1 80 00', 1, 'array key'],
    ['a1 a0 00', 1, 'map key'],
    ['a1 f4 00', 1, 'false as a key'],
    ['a1 c0 00', 1, 'a tag as a key is an invalid key: the key rule reads the initial byte first'],
    ['a1 f9 00 00 00', 1, 'a float as a key'],
    ['a1 1f', 1, 'additional information 31 as a key'],
    ['a2 01 00 1c 00', 3, 'second key invalid'],
  ],
};

/** `count` pairs with keys 0, 1, 2, ... and value 0, as hex. */
function mapPairsHex(count: number): string {
  let text = '';
  for (let key = 0; key < count; key++) text += (key < 24 ? key.toString(16).padStart(2, '0') : '18' + key.toString(16).padStart(2, '0')) + '00';
  return text;
}

describe('strict decoding rejects (docs/protocol.md §3.3)', () => {
  for (const [code, rows] of Object.entries(rejections) as [CborStatusName, readonly RejectionRow[]][]) {
    describe(code, () => {
      test.each(rows)('%s at byte %i: %s', (input, offset) => {
        expectCborError(() => decodeCbor(hex(input)), code, offset);
      });
    });
  }
});

describe('precedence: the first failure in reading order wins (docs/protocol.md §3.3.2)', () => {
  test.each<[string, CborStatusName, number, string]>([
    ['dc', 'CBOR_MALFORMED', 0, 'reserved additional information beats the tag major type'],
    ['df', 'CBOR_TAG_NOT_ALLOWED', 0, 'a tag beats additional information 31'],
    ['19 00', 'CBOR_MALFORMED', 0, 'a truncated argument cannot be judged canonical'],
    ['7a 00 00 00 05', 'CBOR_NOT_CANONICAL', 0, 'the argument is judged before the missing content'],
    ['79 01 2c', 'CBOR_LIMIT_EXCEEDED', 0, 'the size limit is judged before the missing content'],
    ['81 81 81 81 98 21', 'CBOR_TOO_DEEP', 4, 'depth is judged before the size limit'],
    ['81 81 81 81 98 00', 'CBOR_NOT_CANONICAL', 4, 'the head is judged before depth'],
    ['a2 02 00 01', 'CBOR_UNSORTED_KEYS', 3, 'key order is judged before the missing value'],
    ['a2 01 f6 01 00', 'CBOR_SIMPLE_NOT_ALLOWED', 2, 'a bad value comes before a later duplicate key'],
    ['a2 01 00 01 f6', 'CBOR_DUPLICATE_KEY', 3, 'a duplicate key comes before its bad value'],
    ['82 f6 c0', 'CBOR_SIMPLE_NOT_ALLOWED', 1, 'the first bad item wins'],
    ['00 f6', 'CBOR_TRAILING_BYTES', 1, 'trailing bytes are reported, not decoded'],
    ['61 80 00', 'CBOR_INVALID_UTF8', 0, 'an error in the item beats trailing bytes'],
  ])('%s -> %s at byte %i: %s', (input, code, offset) => {
    expectCborError(() => decodeCbor(hex(input)), code, offset);
  });
});

describe('strict decoding accepts edge cases', () => {
  test.each<[string, CborValue]>([
    ['17', 23],
    ['18 18', 24],
    ['18 ff', 255],
    ['19 01 00', 256],
    ['19 ff ff', 65535],
    ['1a 00 01 00 00', 65536],
    ['1a ff ff ff ff', 4294967295],
    ['1b 00 00 00 01 00 00 00 00', 2 ** 32],
    ['1b 00 1f ff ff ff ff ff ff', Number.MAX_SAFE_INTEGER],
    ['1b 00 20 00 00 00 00 00 00', 2n ** 53n],
    ['1b ff ff ff ff ff ff ff ff', 2n ** 64n - 1n],
    ['20', -1],
    ['37', -24],
    ['38 18', -25],
    ['3a ff ff ff ff', -(2 ** 32)],
    ['3b 00 1f ff ff ff ff ff fe', -Number.MAX_SAFE_INTEGER],
    ['3b 00 1f ff ff ff ff ff ff', -(2n ** 53n)],
    ['3b ff ff ff ff ff ff ff ff', -(2n ** 64n)],
    ['f4', false],
    ['f5', true],
    ['40', new Uint8Array(0)],
    ['60', ''],
    ['63 ef bb bf', '\ufeff'],
    ['64 f0 9f 94 91', '\u{1f511}'],
    ['78 21 ' + 'c3bc'.repeat(16) + '61', 'ü'.repeat(16) + 'a'],
    ['80', []],
    ['a0', new Map()],
    [
      'a3 00 00 17 01 18 ff 02',
      new Map([
        [0, 0],
        [23, 1],
        [255, 2],
      ]),
    ],
    ['81 81 81 81 00', [[[[0]]]]],
    ['a1 01 81 81 a1 02 03', new Map([[1, [[new Map([[2, 3]])]]]])],
  ])('%s', (input, expected) => {
    expect(decodeCbor(hex(input))).toEqual(expected);
  });

  test('integers decode as numbers exactly while safe', () => {
    expect(typeof decodeCbor(hex('1b 00 1f ff ff ff ff ff ff'))).toBe('number');
    expect(typeof decodeCbor(hex('3b 00 1f ff ff ff ff ff fe'))).toBe('number');
    expect(typeof decodeCbor(hex('3b 00 1f ff ff ff ff ff ff'))).toBe('bigint');
  });

  test('strings, arrays and maps exactly at the default limits', () => {
    expect(DEFAULT_CBOR_LIMITS).toEqual({ maxDepth: 4, maxStringBytes: 256, maxArrayItems: 32, maxMapPairs: 24 });
    expect(decodeCbor(hex('59 01 00 ' + '7f'.repeat(256)))).toEqual(new Uint8Array(256).fill(0x7f));
    expect(decodeCbor(hex('79 01 00 ' + '61'.repeat(256)))).toBe('a'.repeat(256));
    expect(decodeCbor(hex('79 01 00 ' + 'e282ac'.repeat(85) + '61'))).toBe('€'.repeat(85) + 'a');
    expect(decodeCbor(hex('98 20 ' + '00'.repeat(32)))).toEqual(new Array(32).fill(0));
    expect((decodeCbor(hex('b8 18 ' + mapPairsHex(24))) as Map<number, number>).size).toBe(24);
  });

  test('decoded byte strings are copies, not views of the input', () => {
    const input = hex('42 01 02');
    const value = decodeCbor(input) as Uint8Array;
    input[1] = 0xff;
    expect(value).toEqual(new Uint8Array([1, 2]));
    expect(value.buffer).not.toBe(input.buffer);
  });

  test('Buffer input works like Uint8Array input', () => {
    expect(decodeCbor(Buffer.from('a201420102026161', 'hex'))).toEqual(
      new Map<number, CborValue>([
        [1, new Uint8Array([1, 2])],
        [2, 'a'],
      ]),
    );
  });
});

describe('custom limits', () => {
  test('maxDepth', () => {
    expect(decodeCbor(hex('81 80'), { maxDepth: 2 })).toEqual([[]]);
    expectCborError(() => decodeCbor(hex('81 81 00'), { maxDepth: 1 }), 'CBOR_TOO_DEEP', 1);
    expectCborError(() => decodeCbor(hex('a0'), { maxDepth: 0 }), 'CBOR_TOO_DEEP', 0);
    expect(decodeCbor(hex('05'), { maxDepth: 0 })).toBe(5);
  });

  test('maxStringBytes, maxArrayItems, maxMapPairs', () => {
    expect(decodeCbor(hex('44 01 02 03 04'), { maxStringBytes: 4 })).toEqual(new Uint8Array([1, 2, 3, 4]));
    expectCborError(() => decodeCbor(hex('65 61 61 61 61 61'), { maxStringBytes: 4 }), 'CBOR_LIMIT_EXCEEDED', 0);
    expectCborError(() => decodeCbor(hex('81 00'), { maxArrayItems: 0 }), 'CBOR_LIMIT_EXCEEDED', 0);
    expectCborError(() => decodeCbor(hex('a2 00 00 01 00'), { maxMapPairs: 1 }), 'CBOR_LIMIT_EXCEEDED', 0);
    expect(decodeCbor(hex('59 01 2c ' + '00'.repeat(300)), { maxStringBytes: 300 })).toHaveLength(300);
  });

  test('unset limits keep their defaults', () => {
    expectCborError(() => decodeCbor(hex('81 81 81 81 80'), { maxStringBytes: 10 }), 'CBOR_TOO_DEEP', 4);
    expectCborError(() => decodeCbor(hex('81 81 81 81 80'), { maxDepth: undefined }), 'CBOR_TOO_DEEP', 4);
  });

  test('bad limits are a RangeError, not a CborError', () => {
    expect(() => decodeCbor(hex('00'), { maxDepth: -1 })).toThrow(RangeError);
    expect(() => decodeCbor(hex('00'), { maxDepth: 65 })).toThrow(RangeError);
    expect(() => decodeCbor(hex('00'), { maxStringBytes: 1.5 })).toThrow(RangeError);
    expect(() => decodeCbor(hex('00'), { maxArrayItems: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});
