import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeCbor, decodeMessageParams, encodeCbor } from '../src/cbor/index.js';
import type { CborMap, CborValue } from '../src/cbor-types.js';
import { CborError } from '../src/errors.js';
import { Status, type StatusName } from '../src/status.js';
import { toHex } from './cbor-helpers.js';

/** cbor-x as an independent reference: Maps stay Maps, no records, byte strings untagged. */
const cborX = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });

interface ModelOptions {
  /** cbor-x writes numbers beyond 32 bits as floats and every bigint in 8 bytes, so byte comparisons avoid them. */
  readonly int32Only: boolean;
  /** cbor-x keeps insertion order, so byte comparisons insert keys in ascending order. */
  readonly sortedMaps: boolean;
}

const boundaryIntegers = fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, 4294967295, -1, -24, -25, -256, -257, -65536, -65537, -4294967296);

function integers(options: ModelOptions): fc.Arbitrary<number | bigint> {
  if (options.int32Only) return fc.oneof(boundaryIntegers, fc.integer({ min: -(2 ** 32), max: 2 ** 32 - 1 }));
  return fc.oneof(
    boundaryIntegers,
    fc.integer({ min: -300, max: 70000 }),
    fc.maxSafeInteger(),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 32, -(2 ** 32) - 1),
    // Only beyond the safe range: a safe bigint decodes as a number, so it would not round-trip as itself.
    fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
    fc.bigInt({ min: -(2n ** 64n), max: -(2n ** 53n) }),
  );
}

function scalars(options: ModelOptions): fc.Arbitrary<CborValue> {
  return fc.oneof(
    integers(options),
    fc.boolean(),
    // 64 code points are at most 256 UTF-8 bytes, the default string limit.
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.string({ unit: 'binary-ascii', maxLength: 256 }),
    fc.uint8Array({ maxLength: 256 }),
  );
}

/** Values of the HKP/1 data model within the default limits; `depth` containers already enclose them. */
function modelValues(options: ModelOptions, depth = 0): fc.Arbitrary<CborValue> {
  const scalar = scalars(options);
  if (depth === 4) return scalar;
  const inner = modelValues(options, depth + 1);
  const maps = fc
    .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 255 }), inner), { selector: ([key]) => key, maxLength: 24 })
    .map((entries): CborMap => new Map(options.sortedMaps ? entries.sort(([a], [b]) => a - b) : entries));
  return fc.oneof({ arbitrary: scalar, weight: 3 }, { arbitrary: fc.array(inner, { maxLength: 32 }), weight: 1 }, { arbitrary: maps, weight: 1 });
}

const anyModelValue = modelValues({ int32Only: false, sortedMaps: false });
const comparableValue = modelValues({ int32Only: true, sortedMaps: true });

/** Integers as bigints and byte strings as plain Uint8Arrays, so both decoders' results compare equal. */
function normalize(value: unknown): unknown {
  if (typeof value === 'number') return BigInt(value);
  if (value instanceof Uint8Array) return Uint8Array.from(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [key, normalize(item)]));
  return value;
}

/** Decodes `bytes` expecting either a value or a CborError whose status matches its code. */
function decodeOrCborError(bytes: Uint8Array): { value: CborValue } | { error: CborError } {
  try {
    return { value: decodeCbor(bytes) };
  } catch (error) {
    expect(error).toBeInstanceOf(CborError);
    const cborError = error as CborError;
    expect(cborError.status).toBe(Status[cborError.code as StatusName]);
    expect(cborError.offset).toBeGreaterThanOrEqual(0);
    expect(cborError.offset).toBeLessThanOrEqual(bytes.length);
    return { error: cborError };
  }
}

type Edit = { readonly at: number; readonly byte: number; readonly kind: 'set' | 'insert' | 'delete' };

const edits = fc.array(
  fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'insert', 'delete') as fc.Arbitrary<Edit['kind']> }),
  { minLength: 1, maxLength: 4 },
);

function applyEdits(bytes: Uint8Array, editList: readonly Edit[]): Uint8Array {
  const result = Array.from(bytes);
  for (const { at, byte, kind } of editList) {
    if (kind === 'insert') result.splice(at % (result.length + 1), 0, byte);
    else if (result.length === 0) continue;
    else if (kind === 'set') result[at % result.length] = byte;
    else result.splice(at % result.length, 1);
  }
  return Uint8Array.from(result);
}

/** Random bytes weighted towards heads that exercise the decoder's rules. */
const cborishBytes = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x38, 0x41, 0x61, 0x5f, 0x81, 0x9f, 0xa1, 0xa2, 0xbf, 0xc0, 0xf4, 0xf5, 0xf6, 0xf9, 0xff),
    ),
    {
      maxLength: 48,
    },
  )
  .map((list) => Uint8Array.from(list));

describe('round trip and canonical form', () => {
  test('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(anyModelValue, (value) => {
        expect(decodeCbor(encodeCbor(value))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  test('the encoding does not depend on map insertion order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 255 }), scalars({ int32Only: false, sortedMaps: false })), {
          selector: ([key]) => key,
          maxLength: 24,
        }),
        (entries) => {
          const reversed = new Map([...entries].reverse());
          const sorted = new Map([...entries].sort(([a], [b]) => a - b));
          expect(toHex(encodeCbor(reversed))).toBe(toHex(encodeCbor(sorted)));
        },
      ),
    );
  });

  test('every proper prefix of an encoding is CBOR_MALFORMED', () => {
    fc.assert(
      fc.property(anyModelValue, fc.nat(), (value, cut) => {
        const encoded = encodeCbor(value);
        const prefix = encoded.subarray(0, cut % encoded.length);
        expect(() => decodeCbor(prefix)).toThrow(expect.objectContaining({ code: 'CBOR_MALFORMED' }));
      }),
    );
  });

  test('any byte after an encoding is CBOR_TRAILING_BYTES at the end of the item', () => {
    fc.assert(
      fc.property(anyModelValue, fc.uint8Array({ minLength: 1, maxLength: 4 }), (value, extra) => {
        const encoded = encodeCbor(value);
        const input = new Uint8Array([...encoded, ...extra]);
        expect(() => decodeCbor(input)).toThrow(expect.objectContaining({ code: 'CBOR_TRAILING_BYTES', offset: encoded.length }));
      }),
    );
  });
});

describe('cross-check with cbor-x', () => {
  test('our encoding equals cbor-x on values both encode canonically', () => {
    fc.assert(
      fc.property(comparableValue, (value) => {
        expect(toHex(encodeCbor(value))).toBe(toHex(cborX.encode(value)));
      }),
      { numRuns: 500 },
    );
  });

  test('cbor-x decodes our encoding of any value to the same value', () => {
    fc.assert(
      fc.property(anyModelValue, (value) => {
        expect(normalize(cborX.decode(encodeCbor(value)))).toEqual(normalize(value));
      }),
      { numRuns: 500 },
    );
  });

  test('we decode what cbor-x encodes, where its encoding is canonical', () => {
    fc.assert(
      fc.property(comparableValue, (value) => {
        expect(decodeCbor(cborX.encode(value))).toEqual(value);
      }),
    );
  });
});

describe('hostile input', () => {
  test('random bytes throw nothing but CborError, and what is accepted re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.oneof(cborishBytes, fc.uint8Array({ maxLength: 64 })), (bytes) => {
        const result = decodeOrCborError(bytes);
        if ('value' in result) expect(toHex(encodeCbor(result.value))).toBe(toHex(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  test('mutated valid encodings throw nothing but CborError, and what is accepted re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(anyModelValue, edits, (value, editList) => {
        const bytes = applyEdits(encodeCbor(value), editList);
        const result = decodeOrCborError(bytes);
        if ('value' in result) expect(toHex(encodeCbor(result.value))).toBe(toHex(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  test('decodeMessageParams on random messages throws nothing but CborError', () => {
    fc.assert(
      fc.property(fc.oneof(cborishBytes, fc.uint8Array({ maxLength: 64 })), (params) => {
        const message = new Uint8Array([0x10, ...params]);
        try {
          const map = decodeMessageParams(message, 1);
          expect(map).toBeInstanceOf(Map);
        } catch (error) {
          expect(error).toBeInstanceOf(CborError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
