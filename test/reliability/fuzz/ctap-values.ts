/**
 * CTAP request bodies for the fuzzers (docs/reliability.md): maps in the shapes of MakeCredential, GetAssertion,
 * ClientPIN and CredentialManagement (CTAP 2.1 §6) with plausible and boundary values, and a loose CBOR encoder that
 * writes them with the deviations CTAP2's canonical form forbids (unsorted and repeated keys, long heads, indefinite
 * lengths, tags, floats, undefined, nesting too deep). Credential ids and key handles are written as PLACEHOLDER_ID,
 * which a sequence target replaces with an id the key made, if a mutation left it whole.
 */
import fc from 'fast-check';
import { CTAP_MAX_DEPTH, type CtapKey, type CtapMap, type CtapValue, encodeCtap } from '@hkey/protocol';
import { anyText, seededBytes } from './mutate.js';

/** 35 bytes (a credential id's length) that no key makes: replaced by a real id at run time. */
export const PLACEHOLDER_ID = new Uint8Array(35).fill(0xee);

export const RP_IDS = ['example.com', 'other.example', 'a.example'];

/** Integers on the edges of CBOR heads and of JavaScript's safe range. */
const BOUNDARY_INTEGERS = [
  0,
  1,
  2,
  3,
  7,
  8,
  23,
  24,
  255,
  256,
  65535,
  65536,
  2 ** 32 - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  -1,
  -7,
  -8,
  -24,
  -25,
  -256,
  -257,
  -(2 ** 32),
  -(2 ** 32) - 1,
  -Number.MAX_SAFE_INTEGER,
];

const integer: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...BOUNDARY_INTEGERS) },
  { weight: 1, arbitrary: fc.integer({ min: -300, max: 70_000 }) },
);
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...RP_IDS, 'public-key', 'id', 'rk', 'up', 'uv', 'name', '', 'é', 'x'.repeat(70)) },
  { weight: 1, arbitrary: anyText },
);
const bytes: fc.Arbitrary<Uint8Array> = fc.oneof(seededBytes(0, 40), fc.constant(PLACEHOLDER_ID), seededBytes(64, 66));
const hash32 = seededBytes(32, 32);

/** Any CTAP value, `depth` levels down from the request map. */
function anyValue(depth: number): fc.Arbitrary<CtapValue> {
  const scalar: fc.Arbitrary<CtapValue> = fc.oneof(integer, text, bytes, fc.boolean(), fc.constant(null));
  if (depth >= 3) return scalar;
  return fc.oneof(
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(anyValue(depth + 1), { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(fc.oneof(integer, text), anyValue(depth + 1)), { maxLength: 3 }).map((entries) => new Map<CtapKey, CtapValue>(entries)),
    },
  );
}

/** A map from entries whose values may be left out (undefined), as fc.record with optional keys would. */
function mapOf(entries: readonly (readonly [CtapKey, fc.Arbitrary<CtapValue>, number])[], depth: number): fc.Arbitrary<CtapMap> {
  // Each member: present (its shape), absent, or some other value (wrong type), by the given presence weight.
  return fc
    .tuple(
      ...entries.map(([, value, present]) =>
        fc.oneof(
          { weight: present, arbitrary: value },
          { weight: 10 - present, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: anyValue(depth + 1) },
        ),
      ),
      fc.array(fc.tuple(fc.oneof(integer, text), anyValue(depth + 1)), { maxLength: 1 }),
    )
    .map(([...values]) => {
      const extra = values.pop() as [CtapKey, CtapValue][];
      const map: CtapMap = new Map();
      entries.forEach(([key], index) => {
        const value = values[index] as CtapValue | undefined;
        if (value !== undefined) map.set(key, value);
      });
      for (const [key, value] of extra) if (!map.has(key)) map.set(key, value);
      return map;
    });
}

const descriptor = mapOf(
  [
    ['type', fc.constantFrom('public-key', 'other'), 9],
    ['id', fc.oneof({ weight: 4, arbitrary: fc.constant(PLACEHOLDER_ID) }, { weight: 1, arbitrary: bytes }), 9],
  ],
  2,
);
const descriptors = fc.array(descriptor, { maxLength: 3 });

export const coseKey = mapOf(
  [
    [1, fc.constantFrom(2, 1, 3), 9],
    [3, fc.constantFrom(-25, -7), 8],
    [-1, fc.constantFrom(1, 6), 9],
    [-2, hash32, 9],
    [-3, hash32, 9],
  ],
  3,
);

const options = mapOf(
  [
    ['rk', fc.boolean(), 5],
    ['up', fc.boolean(), 4],
    ['uv', fc.boolean(), 2],
  ],
  1,
);

const protocolVersion = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: integer });

export const makeCredentialBody = mapOf(
  [
    [1, hash32, 9],
    [
      2,
      mapOf(
        [
          ['id', fc.constantFrom(...RP_IDS), 9],
          ['name', text, 5],
        ],
        1,
      ),
      9,
    ],
    [
      3,
      mapOf(
        [
          ['id', fc.oneof(seededBytes(1, 8), seededBytes(64, 65)), 9],
          ['name', text, 5],
          ['displayName', text, 5],
        ],
        1,
      ),
      9,
    ],
    [
      4,
      fc.array(
        mapOf(
          [
            ['alg', fc.constantFrom(-7, -8, -257, -35), 9],
            ['type', fc.constantFrom('public-key', 'x'), 9],
          ],
          2,
        ),
        { minLength: 1, maxLength: 3 },
      ),
      9,
    ],
    [5, descriptors, 3],
    [
      6,
      mapOf(
        [
          ['credProtect', fc.oneof(fc.constantFrom(1, 2, 3), integer), 4],
          ['hmac-secret', fc.boolean(), 3],
          ['credBlob', seededBytes(0, 40), 3],
          ['minPinLength', fc.boolean(), 1],
        ],
        1,
      ),
      3,
    ],
    [7, options, 6],
    [8, fc.oneof(seededBytes(0, 0), seededBytes(16, 16), seededBytes(32, 32)), 2],
    [9, protocolVersion, 2],
    [10, integer, 1],
  ],
  0,
);

export const getAssertionBody = mapOf(
  [
    [1, fc.constantFrom(...RP_IDS), 9],
    [2, hash32, 9],
    [3, descriptors, 4],
    [
      4,
      mapOf(
        [
          [
            'hmac-secret',
            mapOf(
              [
                [1, coseKey, 9],
                [2, fc.oneof(seededBytes(32, 32), seededBytes(48, 48), seededBytes(80, 80)), 9],
                [3, seededBytes(16, 32), 9],
                [4, protocolVersion, 5],
              ],
              2,
            ),
            5,
          ],
          ['credBlob', fc.boolean(), 4],
        ],
        1,
      ),
      2,
    ],
    [5, options, 5],
    [6, fc.oneof(seededBytes(0, 0), seededBytes(16, 16), seededBytes(32, 32)), 2],
    [7, protocolVersion, 2],
  ],
  0,
);

export const clientPinBody = mapOf(
  [
    [1, protocolVersion, 8],
    [2, fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2, 3, 4, 5, 9) }, { weight: 1, arbitrary: integer }), 9],
    [3, coseKey, 5],
    [4, fc.oneof(seededBytes(16, 16), seededBytes(32, 32), bytes), 4],
    [5, fc.oneof(seededBytes(64, 64), seededBytes(80, 80), bytes), 4],
    [6, fc.oneof(seededBytes(16, 16), seededBytes(32, 32), bytes), 4],
    [9, fc.oneof(fc.constantFrom(1, 2, 3, 4, 8, 0x20), integer), 3],
    [10, fc.constantFrom(...RP_IDS), 3],
  ],
  0,
);

export const credentialManagementBody = mapOf(
  [
    [1, fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 6, 7), integer), 9],
    [
      2,
      mapOf(
        [
          [1, hash32, 5],
          [2, descriptor, 5],
          [
            3,
            mapOf(
              [
                ['id', seededBytes(1, 8), 9],
                ['name', text, 5],
              ],
              2,
            ),
            3,
          ],
        ],
        1,
      ),
      4,
    ],
    [3, protocolVersion, 8],
    [4, fc.oneof(seededBytes(16, 16), seededBytes(32, 32)), 8],
  ],
  0,
);

/** A CTAP request body of any command's shape, or any map. */
export const ctapBody: fc.Arbitrary<CtapMap> = fc.oneof(
  { weight: 3, arbitrary: makeCredentialBody },
  { weight: 3, arbitrary: getAssertionBody },
  { weight: 3, arbitrary: clientPinBody },
  { weight: 2, arbitrary: credentialManagementBody },
  { weight: 1, arbitrary: anyValue(0).filter((value): value is CtapMap => value instanceof Map) },
);

// ---------------------------------------------------------------------------------------------------------------
// The loose encoder

export type Deviation = 'none' | 'long-head' | 'indefinite' | 'tag' | 'float' | 'undefined' | 'unsorted' | 'duplicate' | 'big-head' | 'deep';

/** Deviations a canonical decoder must refuse; 'big-head' may or may not stay in range, so it does not count. */
const REFUSED: ReadonlySet<Deviation> = new Set(['long-head', 'indefinite', 'tag', 'float', 'undefined', 'unsorted', 'duplicate', 'deep']);

/** The shortest head and one longer form of the same argument. */
function head(major: number, argument: number, long: boolean): number[] {
  const m = major << 5;
  const out: number[] = [];
  const be = (value: number, length: number): void => {
    for (let i = length - 1; i >= 0; i--) out.push(Number((BigInt(value) >> BigInt(8 * i)) & 0xffn));
  };
  const shortest = argument < 24 ? 0 : argument < 0x100 ? 1 : argument < 0x1_0000 ? 2 : argument < 0x1_0000_0000 ? 3 : 4;
  const size = long ? Math.min(4, shortest + 1) : shortest;
  if (size === 0) out.push(m | argument);
  else {
    out.push(m | (23 + size));
    be(argument, 2 ** (size - 1));
  }
  return out;
}

/** Encoded length-first, then bytewise: the canonical key order. */
function compareEncoded(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

const BIG_ARGUMENTS = [2n ** 32n, 2n ** 53n - 2n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 64n - 1n];

/**
 * Writes `value` with a deviation at each node with probability `rate` (drawn from `next`), and tells whether a
 * deviation that canonical CTAP CBOR must refuse was written.
 */
export function looseEncode(value: CtapValue, next: () => number, rate: number): { bytes: Uint8Array; refused: boolean } {
  const out: number[] = [];
  let refused = false;
  const pick = (choices: readonly Deviation[]): Deviation => {
    if (next() >= rate) return 'none';
    const choice = choices[Math.floor(next() * choices.length)] as Deviation;
    if (REFUSED.has(choice)) refused = true;
    return choice;
  };
  const write = (item: CtapValue, depth: number): void => {
    if (typeof item === 'number') {
      const deviation = pick(['long-head', 'tag', 'float', 'big-head']);
      if (deviation === 'tag') out.push(0xc0 | Math.floor(next() * 24));
      if (deviation === 'float') {
        out.push(0xfb, ...new Uint8Array(new Float64Array([item]).buffer).reverse());
        return;
      }
      if (deviation === 'big-head') {
        const argument = BIG_ARGUMENTS[Math.floor(next() * BIG_ARGUMENTS.length)] as bigint;
        out.push(((item < 0 ? 1 : 0) << 5) | 27);
        for (let i = 7; i >= 0; i--) out.push(Number((argument >> BigInt(8 * i)) & 0xffn));
        return;
      }
      const argument = item >= 0 ? item : -1 - item;
      // Arguments of 2^32 and more already take the longest head: a tag makes the item refused instead.
      if (deviation === 'long-head' && argument >= 2 ** 32) out.push(0xc6);
      out.push(...head(item >= 0 ? 0 : 1, argument, deviation === 'long-head'));
      return;
    }
    if (typeof item === 'boolean' || item === null) {
      const deviation = pick(['tag', 'undefined']);
      if (deviation === 'tag') out.push(0xd8, 0x20 + Math.floor(next() * 200));
      out.push(deviation === 'undefined' ? 0xf7 : item === null ? 0xf6 : item ? 0xf5 : 0xf4);
      return;
    }
    if (typeof item === 'string' || item instanceof Uint8Array) {
      const major = typeof item === 'string' ? 3 : 2;
      const content = typeof item === 'string' ? new TextEncoder().encode(item) : item;
      const deviation = pick(['long-head', 'indefinite', 'tag']);
      if (deviation === 'tag') out.push(0xc0 | Math.floor(next() * 24));
      if (deviation === 'indefinite') {
        const cut = Math.floor(next() * (content.length + 1));
        out.push(
          (major << 5) | 31,
          ...head(major, cut, false),
          ...content.subarray(0, cut),
          ...head(major, content.length - cut, false),
          ...content.subarray(cut),
          0xff,
        );
        return;
      }
      out.push(...head(major, content.length, deviation === 'long-head'), ...content);
      return;
    }
    if (depth >= CTAP_MAX_DEPTH) refused = true;
    if (Array.isArray(item)) {
      const deviation = pick(['long-head', 'indefinite', 'tag', 'deep']);
      if (deviation === 'tag') out.push(0xc0 | Math.floor(next() * 24));
      if (deviation === 'deep') {
        // Four more levels of arrays around the array: past CTAP's limit wherever it stands.
        out.push(0x81, 0x81, 0x81, 0x81);
        depth += 4;
      }
      out.push(...(deviation === 'indefinite' ? [0x9f] : head(4, item.length, deviation === 'long-head')));
      for (const element of item) write(element, depth + 1);
      if (deviation === 'indefinite') out.push(0xff);
      return;
    }
    let entries = [...item].map(([key, element]) => ({ key, element, encoded: encodeCtap(key) })).sort((a, b) => compareEncoded(a.encoded, b.encoded));
    const choices: Deviation[] = ['long-head', 'indefinite', 'tag'];
    if (entries.length >= 2) choices.push('unsorted');
    if (entries.length >= 1) choices.push('duplicate');
    const deviation = pick(choices);
    // Keys are distinct, so moving the first to the end always breaks the order.
    if (deviation === 'unsorted') entries = [...entries.slice(1), entries[0] as (typeof entries)[number]];
    if (deviation === 'duplicate') {
      const at = Math.floor(next() * entries.length);
      entries = [...entries.slice(0, at + 1), entries[at] as (typeof entries)[number], ...entries.slice(at + 1)];
    }
    if (deviation === 'tag') out.push(0xc0 | Math.floor(next() * 24));
    out.push(...(deviation === 'indefinite' ? [0xbf] : head(5, entries.length, deviation === 'long-head')));
    // Keys stay canonical: a deviation there could restore an order another deviation broke.
    for (const entry of entries) {
      out.push(...entry.encoded);
      write(entry.element, depth + 1);
    }
    if (deviation === 'indefinite') out.push(0xff);
  };
  write(value, 0);
  return { bytes: Uint8Array.from(out), refused };
}
