/**
 * Mutation of valid traffic: a few edits of the kinds that find framing and parser bugs (bit flips, boundary
 * bytes, insertions, deletions, duplicated and truncated spans), applied to a valid sample. Mutants stay close to
 * valid input, so they get past the first checks that random bytes never pass.
 */
import fc from 'fast-check';

/** Bytes that sit on CBOR, CTAPHID and BLE boundaries: head sizes, reserved values, init bits, lengths. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1f, 0x20, 0x3b, 0x3f, 0x40, 0x5f, 0x7f, 0x80, 0x81, 0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xf6, 0xf9, 0xff,
];

type ByteEdit =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly at: number };

/** Positions are fractions of the input's length, so one edit list applies to inputs of any size. */
export const position = fc.integer({ min: 0, max: 0xffff }).map((value) => value / 0x10000);

/** mulberry32: a tiny deterministic generator for bulk content and seeded choices. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/**
 * Bytes drawn from a seed: fast-check generates (and can shrink) every element of fc.uint8Array separately, which
 * costs more than most cases; content drawn from a seed costs a fraction of that and still shrinks in length.
 */
export function seededBytes(minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer()).map(([length, seed]) => {
    const next = generator(seed);
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = (next() * 256) | 0;
    return bytes;
  });
}

/** Text of `minLength..maxLength` characters drawn from `pool` with a seed (see seededBytes). */
export function seededText(pool: readonly string[], minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer()).map(([length, seed]) => {
    const next = generator(seed);
    let text = '';
    for (let i = 0; i < length; i++) text += pool[(next() * pool.length) | 0];
    return text;
  });
}

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      at: position,
      value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: seededBytes(1, 8) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
);

function applyEdit(input: Uint8Array, edit: ByteEdit): Uint8Array {
  const at = Math.floor(edit.at * (input.length + (edit.kind === 'insert' ? 1 : 0)));
  switch (edit.kind) {
    case 'flip':
    case 'set': {
      if (input.length === 0) return input;
      const out = input.slice();
      out[at] = edit.kind === 'flip' ? (out[at] as number) ^ (1 << edit.bit) : edit.value;
      return out;
    }
    case 'insert': {
      const out = new Uint8Array(input.length + edit.bytes.length);
      out.set(input.subarray(0, at));
      out.set(edit.bytes, at);
      out.set(input.subarray(at), at + edit.bytes.length);
      return out;
    }
    case 'delete': {
      const tail = input.subarray(Math.min(input.length, at + edit.length));
      const out = new Uint8Array(at + tail.length);
      out.set(input.subarray(0, at));
      out.set(tail, at);
      return out;
    }
    case 'duplicate': {
      const span = input.subarray(at, at + edit.length);
      const out = new Uint8Array(input.length + span.length);
      out.set(input.subarray(0, at + span.length));
      out.set(input.subarray(at), at + span.length);
      return out;
    }
    case 'truncate':
      return input.slice(0, at);
  }
}

export function mutateBytes(input: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  return edits.reduce(applyEdit, input);
}

/** 1 to 4 edits of a sample of `valid`. */
export function mutatedBytes(valid: fc.Arbitrary<Uint8Array>, maxEdits = 4): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(byteEdit, { minLength: 1, maxLength: maxEdits })).map(([input, edits]) => mutateBytes(input, edits));
}

/** Valid samples, their mutants and random bytes, in a mix that spends most cases near valid input. */
export function nearValidBytes(valid: fc.Arbitrary<Uint8Array>, maxRandomLength = 64): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 6, arbitrary: mutatedBytes(valid) }, { weight: 1, arbitrary: seededBytes(0, maxRandomLength) });
}

type TextEdit =
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'replace'; readonly at: number; readonly text: string }
  | { readonly kind: 'case'; readonly at: number; readonly length: number }
  | { readonly kind: 'duplicate'; readonly at: number; readonly length: number };

/**
 * Short text of any code points. Built once: constructing a full-Unicode string arbitrary costs about a second
 * (fast-check maps every code point), far more than the cases that use it.
 */
export const anyText = fc.string({ maxLength: 24, unit: 'binary' });

/** Edits of text input; `pieces` are the tokens worth inserting (separators, escapes, keywords). */
export function mutatedText(valid: fc.Arbitrary<string>, pieces: readonly string[], maxEdits = 3): fc.Arbitrary<string> {
  const fragment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: anyText.map((text) => text.slice(0, 4)) });
  const edit: fc.Arbitrary<TextEdit> = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: position, text: fragment }),
    fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ kind: fc.constant('replace' as const), at: position, text: fragment }),
    fc.record({ kind: fc.constant('case' as const), at: position, length: fc.integer({ min: 1, max: 10 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 12 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: maxEdits })).map(([text, edits]) =>
    edits.reduce((current, change) => {
      const at = Math.floor(change.at * (current.length + 1));
      switch (change.kind) {
        case 'insert':
          return current.slice(0, at) + change.text + current.slice(at);
        case 'delete':
          return current.slice(0, at) + current.slice(at + change.length);
        case 'replace':
          return current.slice(0, at) + change.text + current.slice(at + change.text.length);
        case 'case': {
          const span = current.slice(at, at + change.length);
          const flipped = span === span.toUpperCase() ? span.toLowerCase() : span.toUpperCase();
          return current.slice(0, at) + flipped + current.slice(at + change.length);
        }
        case 'duplicate':
          return current.slice(0, at + change.length) + current.slice(at);
      }
    }, text),
  );
}

/** Whether `needle` occurs in `haystack` (native search: responses are scanned for every planted secret). */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0 || needle.length > haystack.length) return false;
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength)) >= 0;
}
