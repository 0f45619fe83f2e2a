/**
 * Canonical CBOR encoder for the HKP/1 data model (docs/protocol.md §3.2): shortest-form heads,
 * definite lengths, map keys in ascending order, no floats, tags or simple values besides false/true.
 *
 * Values outside the model throw CborError. Where the problem matches a decoder rule the code is that
 * rule's status name (and status), so callers see the same code either side of the wire:
 * CBOR_FLOAT_NOT_ALLOWED (non-integer number, NaN, ±Infinity), CBOR_SIMPLE_NOT_ALLOWED (null, undefined),
 * CBOR_INVALID_KEY, CBOR_INVALID_UTF8 (lone surrogate), CBOR_TOO_DEEP (nesting over 64, i.e. a cycle).
 * The rest are local programming errors with status OTHER: CBOR_UNSAFE_INTEGER (a number beyond
 * ±Number.MAX_SAFE_INTEGER: pass a bigint), CBOR_INTEGER_OUT_OF_RANGE (a bigint outside -2^64..2^64-1)
 * and CBOR_UNSUPPORTED_TYPE (anything else).
 */
import type { CborMap, CborValue } from '../cbor-types.js';
import { CborError } from '../errors.js';
import { Status } from '../status.js';
import { cborError } from './cbor-error.js';
import { MAX_CONFIGURABLE_DEPTH } from './limits.js';

const MAJOR_UNSIGNED = 0x00;
const MAJOR_NEGATIVE = 0x20;
const MAJOR_BYTES = 0x40;
const MAJOR_TEXT = 0x60;
const MAJOR_ARRAY = 0x80;
const MAJOR_MAP = 0xa0;
const FALSE_BYTE = 0xf4;
const TRUE_BYTE = 0xf5;

const TWO_POW_32 = 0x1_0000_0000;
const UINT64_MAX = (1n << 64n) - 1n;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
/** A buffer that grew beyond this for one large value is dropped afterwards instead of being kept forever. */
const RETAINED_BUFFER_BYTES = 64 * 1024;
const INITIAL_BUFFER_BYTES = 512;

// One output buffer reused across calls: encoding is synchronous and never calls back into caller code, so
// calls cannot interleave, and each call returns a right-sized copy. Small messages cost a single allocation.
let out = new Uint8Array(INITIAL_BUFFER_BYTES);
let pos = 0;

function ensure(extraBytes: number): void {
  const needed = pos + extraBytes;
  if (needed <= out.length) return;
  const grown = new Uint8Array(Math.max(needed, out.length * 2));
  grown.set(out.subarray(0, pos));
  out = grown;
}

/** Copies out the encoding, then wipes the shared buffer so no parameter (a PIN, an OTP secret) lingers in it. */
function takeOutput(): Uint8Array {
  const result = out.slice(0, pos);
  releaseBuffer();
  return result;
}

function releaseBuffer(): void {
  if (out.length > RETAINED_BUFFER_BYTES) out = new Uint8Array(INITIAL_BUFFER_BYTES);
  else out.fill(0, 0, pos);
}

/** Runs one encoding from byte `start`, releasing the buffer on failure too. */
function encodeFrom(start: number, value: CborValue): Uint8Array {
  pos = start;
  try {
    writeValue(value, 0);
  } catch (error) {
    releaseBuffer();
    throw error;
  }
  return takeOutput();
}

/** Shortest head for `major` with argument 0 <= argument <= 2^53 - 1 (docs/protocol.md §3.2.3). */
function writeHead(major: number, argument: number): void {
  ensure(9);
  if (argument < 24) {
    out[pos++] = major | argument;
  } else if (argument < 0x100) {
    out[pos++] = major | 24;
    out[pos++] = argument;
  } else if (argument < 0x1_0000) {
    out[pos++] = major | 25;
    out[pos++] = argument >>> 8;
    out[pos++] = argument;
  } else if (argument < TWO_POW_32) {
    out[pos++] = major | 26;
    writeUint32(argument);
  } else {
    out[pos++] = major | 27;
    writeUint32(Math.floor(argument / TWO_POW_32));
    writeUint32(argument >>> 0);
  }
}

function writeUint32(word: number): void {
  out[pos++] = word >>> 24;
  out[pos++] = word >>> 16;
  out[pos++] = word >>> 8;
  out[pos++] = word;
}

function writeNumber(value: number): void {
  if (!Number.isInteger(value)) {
    throw cborError('CBOR_FLOAT_NOT_ALLOWED', pos, `Value at byte ${pos} is the non-integer number ${value}; HKP/1 does not allow floats.`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new CborError('CBOR_UNSAFE_INTEGER', Status.OTHER, pos, `Value at byte ${pos} is an integer beyond Number.MAX_SAFE_INTEGER; pass it as a bigint.`);
  }
  // -0 is an integer too and encodes as 0.
  if (value >= 0) writeHead(MAJOR_UNSIGNED, value);
  else writeHead(MAJOR_NEGATIVE, -1 - value);
}

function writeBigint(value: bigint): void {
  if (value >= -MAX_SAFE_BIGINT && value <= MAX_SAFE_BIGINT) {
    writeNumber(Number(value));
    return;
  }
  const major = value < 0n ? MAJOR_NEGATIVE : MAJOR_UNSIGNED;
  const argument = value < 0n ? -1n - value : value;
  if (argument > UINT64_MAX) {
    throw new CborError('CBOR_INTEGER_OUT_OF_RANGE', Status.OTHER, pos, `Value at byte ${pos} is a bigint outside -2^64..2^64-1, which CBOR cannot encode.`);
  }
  // Beyond the safe range every value needs the 8-byte form, so no shortest-form search is needed.
  ensure(9);
  out[pos++] = major | 27;
  writeUint32(Number(argument >> 32n));
  writeUint32(Number(argument & 0xffff_ffffn));
}

function writeText(text: string): void {
  const length = text.length;
  // Optimistic ASCII path: write the characters where they go after an ASCII-length head.
  ensure(9 + length);
  const asciiHeadBytes = length < 24 ? 1 : length < 0x100 ? 2 : length < 0x1_0000 ? 3 : 5;
  const start = pos + asciiHeadBytes;
  let index = 0;
  for (; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) break;
    out[start + index] = code;
  }
  if (index === length) {
    writeHead(MAJOR_TEXT, length);
    pos += length;
    return;
  }
  writeHead(MAJOR_TEXT, utf8ByteLength(text));
  writeUtf8(text);
}

/** UTF-8 length of `text`; lone surrogates have no UTF-8 form, so they are rejected rather than replaced. */
function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code < 0xd800 || code > 0xdfff) bytes += 3;
    else if (code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index++;
    } else {
      throw cborError('CBOR_INVALID_UTF8', pos, `Text at byte ${pos} contains a lone UTF-16 surrogate, which has no UTF-8 form.`);
    }
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Writes `text`, already validated by utf8ByteLength. */
function writeUtf8(text: string): void {
  ensure(text.length * 3);
  for (let index = 0; index < text.length; index++) {
    let code = text.charCodeAt(index);
    if (code < 0x80) {
      out[pos++] = code;
    } else if (code < 0x800) {
      out[pos++] = 0xc0 | (code >>> 6);
      out[pos++] = 0x80 | (code & 0x3f);
    } else if (code < 0xd800 || code > 0xdfff) {
      out[pos++] = 0xe0 | (code >>> 12);
      out[pos++] = 0x80 | ((code >>> 6) & 0x3f);
      out[pos++] = 0x80 | (code & 0x3f);
    } else {
      code = 0x1_0000 + ((code - 0xd800) << 10) + (text.charCodeAt(++index) - 0xdc00);
      out[pos++] = 0xf0 | (code >>> 18);
      out[pos++] = 0x80 | ((code >>> 12) & 0x3f);
      out[pos++] = 0x80 | ((code >>> 6) & 0x3f);
      out[pos++] = 0x80 | (code & 0x3f);
    }
  }
}

function writeBytes(bytes: Uint8Array): void {
  writeHead(MAJOR_BYTES, bytes.length);
  ensure(bytes.length);
  out.set(bytes, pos);
  pos += bytes.length;
}

function writeArray(items: readonly CborValue[], depth: number): void {
  writeHead(MAJOR_ARRAY, items.length);
  for (let index = 0; index < items.length; index++) writeValue(items[index] as CborValue, depth);
}

function isValidKey(key: unknown): key is number {
  // The mask keeps exactly the integers 0..255 (and -0, which a Map stores as 0).
  return typeof key === 'number' && (key & 0xff) === key;
}

function invalidKeyError(key: unknown): CborError {
  const shown = typeof key === 'number' ? String(key) : `of type ${typeof key}`;
  return cborError('CBOR_INVALID_KEY', pos, `Map key ${shown} at byte ${pos} is not an unsigned integer from 0 to 255.`);
}

/** Maps are usually built in key order, so write optimistically and only sort when a key goes backwards. */
function writeMap(map: CborMap, depth: number): void {
  const mapStart = pos;
  writeHead(MAJOR_MAP, map.size);
  let previousKey = -1;
  for (const [key, value] of map) {
    if (!isValidKey(key)) throw invalidKeyError(key);
    if (key < previousKey) {
      pos = mapStart;
      writeSortedMap(map, depth);
      return;
    }
    previousKey = key;
    writeHead(MAJOR_UNSIGNED, key);
    writeValue(value, depth);
  }
}

function writeSortedMap(map: CborMap, depth: number): void {
  writeHead(MAJOR_MAP, map.size);
  const keys = [...map.keys()];
  for (const key of keys) if (!isValidKey(key)) throw invalidKeyError(key);
  keys.sort((a, b) => a - b);
  for (const key of keys) {
    writeHead(MAJOR_UNSIGNED, key);
    writeValue(map.get(key) as CborValue, depth);
  }
}

function writeValue(value: CborValue, parentDepth: number): void {
  switch (typeof value) {
    case 'number':
      writeNumber(value);
      return;
    case 'string':
      writeText(value);
      return;
    case 'boolean':
      ensure(1);
      out[pos++] = value ? TRUE_BYTE : FALSE_BYTE;
      return;
    case 'bigint':
      writeBigint(value);
      return;
    case 'object':
      if (value instanceof Uint8Array) {
        writeBytes(value);
        return;
      }
      if (Array.isArray(value) || value instanceof Map) {
        const depth = parentDepth + 1;
        // No decoder can be configured to accept deeper values, and the bound stops a cyclic value from overflowing the stack.
        if (depth > MAX_CONFIGURABLE_DEPTH) {
          throw cborError('CBOR_TOO_DEEP', pos, `Value at byte ${pos} is nested deeper than ${MAX_CONFIGURABLE_DEPTH} levels; is it cyclic?`);
        }
        if (Array.isArray(value)) writeArray(value, depth);
        else writeMap(value, depth);
        return;
      }
  }
  throw unsupportedValueError(value);
}

function unsupportedValueError(value: unknown): CborError {
  if (value === null || value === undefined) {
    return cborError('CBOR_SIMPLE_NOT_ALLOWED', pos, `Value at byte ${pos} is ${String(value)}; HKP/1 allows only false and true as simple values.`);
  }
  const kind = typeof value === 'object' ? Object.prototype.toString.call(value).slice(8, -1) : typeof value;
  return new CborError('CBOR_UNSUPPORTED_TYPE', Status.OTHER, pos, `Value at byte ${pos} is of type ${kind}, which the HKP/1 data model does not include.`);
}

/** The canonical CBOR encoding of `value` (docs/protocol.md §3.2). */
export function encodeCbor(value: CborValue): Uint8Array {
  return encodeFrom(0, value);
}

/** An HKP/1 message: the command or status byte, then the parameter map when there is one (docs/protocol.md §3.2.1). */
export function encodeMessage(headByte: number, params?: CborMap): Uint8Array {
  if ((headByte & 0xff) !== headByte) {
    throw new RangeError(`The command/status byte must be an integer from 0 to 255, got ${headByte}.`);
  }
  if (params === undefined) return Uint8Array.of(headByte);
  out[0] = headByte;
  return encodeFrom(1, params);
}
