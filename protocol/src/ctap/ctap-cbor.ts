/**
 * CBOR in CTAP2's canonical form (CTAP 2.1 §8, docs/protocol.md §9.2). CTAP's data model is not HKP's: map keys
 * are integers (negative too, for COSE keys) or text ("id", "rk"), and null appears in some clients' requests. So
 * this codec is separate from the HKP one (§3), which refuses all of that; both enforce the same canonical rules
 * (definite lengths, shortest arguments, keys sorted length-first then bytewise, no duplicates, no tags, no floats).
 * Hand-written rather than a registry codec because every rule must map to its CTAP status byte, and lenient
 * decoders (cbor-x, tiny-cbor) accept non-canonical input silently.
 */
import { CtapError } from './ctap-error.js';

export type CtapKey = number | string;
export type CtapValue = number | string | Uint8Array | boolean | null | CtapValue[] | CtapMap;
export type CtapMap = Map<CtapKey, CtapValue>;

/** CTAP 2.1 §8: nesting of maps and arrays never exceeds four levels. */
export const CTAP_MAX_DEPTH = 4;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

function invalid(what: string): CtapError {
  return new CtapError('INVALID_CBOR', `The CBOR request is malformed: ${what}.`);
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw invalid('it ends in the middle of an item');
    return this.bytes[this.pos++] as number;
  }

  argument(info: number): number {
    if (info < 24) return info;
    let length: number;
    if (info === 24) length = 1;
    else if (info === 25) length = 2;
    else if (info === 26) length = 4;
    else if (info === 27) length = 8;
    else throw invalid('it uses an indefinite length or a reserved argument');
    let value = 0;
    for (let i = 0; i < length; i++) value = value * 256 + this.byte();
    if (!Number.isSafeInteger(value)) throw invalid('an integer is too large');
    const minimum = info === 24 ? 24 : info === 25 ? 0x100 : info === 26 ? 0x1_0000 : 0x1_0000_0000;
    if (value < minimum) throw invalid('an integer or length is not in its shortest form');
    return value;
  }

  take(length: number): Uint8Array {
    if (length > this.bytes.length - this.pos) throw invalid('a string runs past the end of the input');
    const slice = this.bytes.slice(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }

  item(depth: number): CtapValue {
    const initial = this.byte();
    const major = initial >>> 5;
    const info = initial & 0x1f;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      throw invalid('it holds a float or a simple value other than false, true and null');
    }
    if (major === 6) throw invalid('it holds a tag');
    const argument = this.argument(info);
    switch (major) {
      case 0:
        return argument;
      case 1:
        // -1 - (2^53 - 1) is -2^53, beyond the safe integers this codec writes: refused, so accepted input re-encodes.
        if (argument === Number.MAX_SAFE_INTEGER) throw invalid('an integer is too large');
        return -1 - argument;
      case 2:
        return this.take(argument);
      case 3:
        try {
          return utf8.decode(this.take(argument));
        } catch (error) {
          if (error instanceof CtapError) throw error;
          throw invalid('a text string is not valid UTF-8');
        }
      case 4: {
        if (depth >= CTAP_MAX_DEPTH) throw invalid(`it nests deeper than ${CTAP_MAX_DEPTH} levels`);
        if (argument > this.bytes.length - this.pos) throw invalid('an array is longer than the input');
        const items: CtapValue[] = [];
        for (let i = 0; i < argument; i++) items.push(this.item(depth + 1));
        return items;
      }
      default: {
        if (depth >= CTAP_MAX_DEPTH) throw invalid(`it nests deeper than ${CTAP_MAX_DEPTH} levels`);
        if (argument > this.bytes.length - this.pos) throw invalid('a map is longer than the input');
        const map: CtapMap = new Map();
        let previous: Uint8Array | undefined;
        for (let i = 0; i < argument; i++) {
          const keyStart = this.pos;
          const key = this.item(depth + 1);
          if (typeof key !== 'number' && typeof key !== 'string') throw invalid('a map key is neither an integer nor text');
          const keyBytes = this.bytes.subarray(keyStart, this.pos);
          if (previous !== undefined) {
            const order = compareKeys(previous, keyBytes);
            if (order === 0) throw invalid('a map repeats a key');
            if (order > 0) throw invalid('map keys are not in canonical order');
          }
          previous = keyBytes;
          map.set(key, this.item(depth + 1));
        }
        return map;
      }
    }
  }
}

/** CTAP2 canonical order: shorter encodings first, then bytewise (CTAP 2.1 §8, RFC 7049 §3.9). */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** Decodes one canonical CTAP2 CBOR item that fills `bytes` exactly; throws CtapError(INVALID_CBOR) otherwise. */
export function decodeCtap(bytes: Uint8Array): CtapValue {
  const { value, length } = decodeCtapPrefix(bytes);
  if (length !== bytes.length) throw invalid('bytes follow the top-level item');
  return value;
}

/** Decodes the one item at the start of `bytes` and says how many bytes it took (items embedded in binary data). */
export function decodeCtapPrefix(bytes: Uint8Array): { value: CtapValue; length: number } {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  return { value, length: reader.pos };
}

class Writer {
  private out = new Uint8Array(256);
  pos = 0;

  private ensure(extra: number): void {
    if (this.pos + extra <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.pos + extra, this.out.length * 2));
    grown.set(this.out.subarray(0, this.pos));
    this.out = grown;
  }

  head(major: number, argument: number): void {
    this.ensure(9);
    const out = this.out;
    if (argument < 24) out[this.pos++] = major | argument;
    else if (argument < 0x100) {
      out[this.pos++] = major | 24;
      out[this.pos++] = argument;
    } else if (argument < 0x1_0000) {
      out[this.pos++] = major | 25;
      out[this.pos++] = argument >>> 8;
      out[this.pos++] = argument & 0xff;
    } else if (argument < 0x1_0000_0000) {
      out[this.pos++] = major | 26;
      new DataView(out.buffer).setUint32(this.pos, argument);
      this.pos += 4;
    } else {
      out[this.pos++] = major | 27;
      new DataView(out.buffer).setBigUint64(this.pos, BigInt(argument));
      this.pos += 8;
    }
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.out.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  value(value: CtapValue, depth: number): void {
    if (depth > 16) throw new RangeError('A CTAP value nests too deeply (a cycle?).');
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError('CTAP CBOR carries integers only.');
      if (value >= 0) this.head(0x00, value);
      else this.head(0x20, -1 - value);
    } else if (typeof value === 'string') {
      const bytes = utf8Encoder.encode(value);
      this.head(0x60, bytes.length);
      this.raw(bytes);
    } else if (value instanceof Uint8Array) {
      this.head(0x40, value.length);
      this.raw(value);
    } else if (typeof value === 'boolean') {
      this.head(0xe0, value ? 21 : 20);
    } else if (value === null) {
      this.head(0xe0, 22);
    } else if (Array.isArray(value)) {
      this.head(0x80, value.length);
      for (const item of value) this.value(item, depth + 1);
    } else {
      const pairs = [...value].map(([key, item]) => ({ key: encodedKey(key), item }));
      pairs.sort((a, b) => compareKeys(a.key, b.key));
      this.head(0xa0, pairs.length);
      for (const { key, item } of pairs) {
        this.raw(key);
        this.value(item, depth + 1);
      }
    }
  }

  result(): Uint8Array {
    return this.out.slice(0, this.pos);
  }
}

/** Map keys recur in every response ("id", "type", 1, 2, ...): their encodings are kept (a bounded set: keys come from code). */
const keyEncodings = new Map<CtapKey, Uint8Array>();

function encodedKey(key: CtapKey): Uint8Array {
  let bytes = keyEncodings.get(key);
  if (bytes === undefined) {
    bytes = encodeCtap(key);
    if (keyEncodings.size < 256) keyEncodings.set(key, bytes);
  }
  return bytes;
}

/** Encodes in CTAP2 canonical form; map entries whose value is undefined must be left out by the caller. */
export function encodeCtap(value: CtapValue): Uint8Array {
  const writer = new Writer();
  writer.value(value, 0);
  return writer.result();
}

/** A map from entries, skipping undefined values: response builders list every optional member. */
export function ctapMap(entries: ReadonlyArray<readonly [CtapKey, CtapValue | undefined]>): CtapMap {
  const map: CtapMap = new Map();
  for (const [key, value] of entries) if (value !== undefined) map.set(key, value);
  return map;
}
