/**
 * Strict single-pass CBOR decoder for HKP/1 (docs/protocol.md §3.3). It decodes and enforces every
 * rule in the same pass, and stops at the first rule broken in reading order (§3.3.2):
 *   1. the item's initial byte (§3.3.3): reserved, tag, simple, float, indefinite length;
 *   2. its argument bytes: truncated, then not in shortest form;
 *   3. containers: depth, then size limit; strings: size limit, then truncation, then UTF-8;
 *   4. array items in order; for each map pair: the key (§3.3.16), its order, then the value;
 *   5. after the top-level item: trailing bytes.
 * Only CborError escapes for any input; a bad `limits` or `start` argument is a RangeError.
 */
import type { CborMap, CborValue } from '../cbor-types.js';
import { cborError } from './cbor-error.js';
import { type CborLimits, resolveCborLimits } from './limits.js';

const TWO_POW_32 = 0x1_0000_0000;
/** A high 32-bit word below this keeps a 64-bit argument within Number.MAX_SAFE_INTEGER. */
const SAFE_HIGH_WORD_LIMIT = 0x20_0000;
/** Short all-ASCII strings skip TextDecoder, whose per-call overhead dominates for them. */
const ASCII_FAST_PATH_MAX_BYTES = 32;

// ignoreBOM keeps a leading U+FEFF as text: stripping it would make two encodings decode alike (§3.3.15).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Decoder state lives in the module: decoding never calls user code, so calls cannot interleave, and
// module variables are cheaper than an object per call for the small messages HKP/1 carries.
const NO_INPUT = new Uint8Array(0);
let input: Uint8Array = NO_INPUT;
let pos = 0;
let maxDepth = 0;
let maxStringBytes = 0;
let maxArrayItems = 0;
let maxMapPairs = 0;

function begin(bytes: Uint8Array, start: number, limits: Readonly<CborLimits>): void {
  input = bytes;
  pos = start;
  maxDepth = limits.maxDepth;
  maxStringBytes = limits.maxStringBytes;
  maxArrayItems = limits.maxArrayItems;
  maxMapPairs = limits.maxMapPairs;
}

/** Checks that nothing follows the top-level item (§3.3.5), and lets go of the caller's buffer. */
function finish(): void {
  const end = pos;
  const length = input.length;
  input = NO_INPUT;
  if (end !== length) {
    throw cborError('CBOR_TRAILING_BYTES', end, `CBOR input continues at byte ${end} after the top-level item ends; ${length - end} byte(s) are left over.`);
  }
}

/** Reads one item whose enclosing container is at `parentDepth` (0 at top level). */
function readItem(parentDepth: number): CborValue {
  const offset = pos;
  if (offset >= input.length) {
    throw cborError('CBOR_MALFORMED', offset, `CBOR input ends at byte ${offset} where an item should start.`);
  }
  const initial = input[offset] as number;
  pos = offset + 1;
  const major = initial >>> 5;
  const info = initial & 0x1f;
  // docs/protocol.md §3.3.3: these are decided by the initial byte alone, before any argument byte is read.
  if (info >= 28) rejectInitialByte(major, info, offset);
  if (major >= 6) return readTagOrSimple(major, info, offset);
  if (info === 27 && major <= 1) return readInteger64(major === 1, offset);
  const argument = info < 24 ? info : readArgument(info, offset);
  switch (major) {
    case 0:
      return argument;
    case 1:
      return -1 - argument;
    case 2:
      return readByteString(argument, offset);
    case 3:
      return readTextString(argument, offset);
    case 4:
      return readArray(argument, offset, parentDepth + 1);
    default:
      return readMap(argument, offset, parentDepth + 1);
  }
}

/** Additional information 28..31: reserved values, or the indefinite-length marker (§3.3.3). */
function rejectInitialByte(major: number, info: number, offset: number): never {
  if (info !== 31) {
    throw cborError('CBOR_MALFORMED', offset, `CBOR item at byte ${offset} uses reserved additional information ${info}.`);
  }
  if (major === 6) throw tagError(offset);
  if (major <= 1) {
    throw cborError('CBOR_MALFORMED', offset, `CBOR item at byte ${offset} is an integer with additional information 31, which is not well-formed.`);
  }
  const what = major === 7 ? 'is a break byte' : 'has an indefinite length';
  throw cborError('CBOR_INDEFINITE_LENGTH', offset, `CBOR item at byte ${offset} ${what}; HKP/1 requires definite lengths.`);
}

function tagError(offset: number) {
  return cborError('CBOR_TAG_NOT_ALLOWED', offset, `CBOR item at byte ${offset} is a tag; HKP/1 does not allow tags.`);
}

/** Major types 6 and 7 with additional information 0..27: only false and true are allowed. */
function readTagOrSimple(major: number, info: number, offset: number): boolean {
  if (major === 6) throw tagError(offset);
  if (info === 20) return false;
  if (info === 21) return true;
  if (info >= 25) {
    throw cborError('CBOR_FLOAT_NOT_ALLOWED', offset, `CBOR item at byte ${offset} is a floating-point number; HKP/1 does not allow floats.`);
  }
  throw cborError('CBOR_SIMPLE_NOT_ALLOWED', offset, `CBOR item at byte ${offset} is a simple value other than false or true; HKP/1 does not allow it.`);
}

/** An integer with an 8-byte argument: a number while safe, a bigint beyond (docs/protocol.md §3.2.2). */
function readInteger64(negative: boolean, offset: number): number | bigint {
  const high = readUint32(offset, 8);
  const low = readUint32(offset, 4);
  if (high === 0) throw notCanonical(offset, low);
  if (high < SAFE_HIGH_WORD_LIMIT) {
    const argument = high * TWO_POW_32 + low;
    if (!negative) return argument;
    // -1 - (2^53 - 1) is -2^53, just outside the safe range.
    if (argument < Number.MAX_SAFE_INTEGER) return -1 - argument;
  }
  const argument = (BigInt(high) << 32n) | BigInt(low);
  return negative ? -1n - argument : argument;
}

/**
 * The argument for additional information 24..27, which must need its size (docs/protocol.md §3.3.6).
 * An 8-byte one is only approximated, which is enough for the lengths it can be here: any is over every limit.
 */
function readArgument(info: number, offset: number): number {
  let argument: number;
  let smallestAllowed: number;
  if (info === 24) {
    requireBytes(offset, 1);
    argument = input[pos++] as number;
    smallestAllowed = 24;
  } else if (info === 25) {
    requireBytes(offset, 2);
    argument = ((input[pos] as number) << 8) | (input[pos + 1] as number);
    pos += 2;
    smallestAllowed = 0x100;
  } else if (info === 26) {
    argument = readUint32(offset, 4);
    smallestAllowed = 0x1_0000;
  } else {
    const high = readUint32(offset, 8);
    argument = high * TWO_POW_32 + readUint32(offset, 4);
    smallestAllowed = TWO_POW_32;
  }
  if (argument < smallestAllowed) throw notCanonical(offset, argument);
  return argument;
}

/** Reads a big-endian word; `remaining` is how many argument bytes are still unread, for the truncation check. */
function readUint32(offset: number, remaining: number): number {
  requireBytes(offset, remaining);
  const at = pos;
  pos = at + 4;
  return (input[at] as number) * 0x100_0000 + (((input[at + 1] as number) << 16) | ((input[at + 2] as number) << 8) | (input[at + 3] as number));
}

function requireBytes(offset: number, count: number): void {
  if (input.length - pos < count) {
    throw cborError('CBOR_MALFORMED', offset, `CBOR item at byte ${offset} is truncated: the input ends before its last byte.`);
  }
}

function notCanonical(offset: number, argument: number) {
  return cborError('CBOR_NOT_CANONICAL', offset, `CBOR item at byte ${offset} encodes its argument ${argument} in a longer form than needed.`);
}

function checkStringLength(length: number, offset: number): void {
  if (length > maxStringBytes) {
    throw cborError('CBOR_LIMIT_EXCEEDED', offset, `CBOR string at byte ${offset} is ${length} bytes long; the limit is ${maxStringBytes}.`);
  }
  requireBytes(offset, length);
}

/** Returns a copy, so the value stays intact when the caller reuses its input buffer. */
function readByteString(length: number, offset: number): Uint8Array {
  checkStringLength(length, offset);
  const start = pos;
  pos = start + length;
  return new Uint8Array(input.subarray(start, start + length));
}

function readTextString(length: number, offset: number): string {
  checkStringLength(length, offset);
  const start = pos;
  const end = start + length;
  pos = end;
  return (length <= ASCII_FAST_PATH_MAX_BYTES ? shortAsciiText(start, end) : undefined) ?? utf8Text(start, end, offset);
}

/** The text when every byte is ASCII (so it is valid UTF-8 as is), else undefined; four bytes per call keeps it cheap. */
function shortAsciiText(start: number, end: number): string | undefined {
  const bytes = input;
  let text = '';
  let index = start;
  for (; index + 4 <= end; index += 4) {
    const a = bytes[index] as number;
    const b = bytes[index + 1] as number;
    const c = bytes[index + 2] as number;
    const d = bytes[index + 3] as number;
    if ((a | b | c | d) >= 0x80) return undefined;
    text += String.fromCharCode(a, b, c, d);
  }
  for (; index < end; index++) {
    const byte = bytes[index] as number;
    if (byte >= 0x80) return undefined;
    text += String.fromCharCode(byte);
  }
  return text;
}

function utf8Text(start: number, end: number, offset: number): string {
  try {
    return utf8Decoder.decode(input.subarray(start, end));
  } catch {
    throw cborError('CBOR_INVALID_UTF8', offset, `CBOR text string at byte ${offset} is not valid UTF-8.`);
  }
}

function checkDepth(depth: number, offset: number): void {
  if (depth > maxDepth) {
    throw cborError('CBOR_TOO_DEEP', offset, `CBOR container at byte ${offset} is at nesting depth ${depth}; the limit is ${maxDepth}.`);
  }
}

function readArray(count: number, offset: number, depth: number): CborValue[] {
  checkDepth(depth, offset);
  if (count > maxArrayItems) {
    throw cborError('CBOR_LIMIT_EXCEEDED', offset, `CBOR array at byte ${offset} has ${count} items; the limit is ${maxArrayItems}.`);
  }
  const items: CborValue[] = [];
  for (let index = 0; index < count; index++) items.push(readItem(depth));
  return items;
}

function readMap(count: number, offset: number, depth: number): CborMap {
  checkDepth(depth, offset);
  if (count > maxMapPairs) {
    throw cborError('CBOR_LIMIT_EXCEEDED', offset, `CBOR map at byte ${offset} has ${count} pairs; the limit is ${maxMapPairs}.`);
  }
  const map: CborMap = new Map();
  let previousKey = -1;
  for (let index = 0; index < count; index++) {
    const keyOffset = pos;
    const key = readKey(keyOffset);
    if (key <= previousKey) throw keyOrderError(key, previousKey, keyOffset);
    previousKey = key;
    map.set(key, readItem(depth));
  }
  return map;
}

/** docs/protocol.md §3.3.16: a key is decided by its initial byte, which must be 0x00..0x18. */
function readKey(offset: number): number {
  if (offset >= input.length) {
    throw cborError('CBOR_MALFORMED', offset, `CBOR input ends at byte ${offset} where a map key should start.`);
  }
  const initial = input[offset] as number;
  pos = offset + 1;
  if (initial < 24) return initial;
  if (initial !== 0x18) {
    throw cborError('CBOR_INVALID_KEY', offset, `CBOR map key at byte ${offset} is not an unsigned integer from 0 to 255.`);
  }
  return readArgument(24, offset);
}

/** docs/protocol.md §3.3.8, §3.3.9. */
function keyOrderError(key: number, previousKey: number, offset: number) {
  if (key === previousKey) {
    return cborError('CBOR_DUPLICATE_KEY', offset, `CBOR map key ${key} at byte ${offset} appears twice in the same map.`);
  }
  return cborError('CBOR_UNSORTED_KEYS', offset, `CBOR map key ${key} at byte ${offset} follows the larger key ${previousKey}; keys must ascend.`);
}

/** Decodes exactly one CBOR item filling `bytes`, enforcing every rule of docs/protocol.md §3.3. */
export function decodeCbor(bytes: Uint8Array, limits?: Partial<CborLimits>): CborValue {
  begin(bytes, 0, resolveCborLimits(limits));
  const value = readItem(0);
  finish();
  return value;
}

/**
 * Decodes `bytes[start..]` as a message's parameter map (docs/protocol.md §3.2.1): no bytes is an empty map,
 * and anything but a map is CBOR_NOT_A_MAP (§3.3.17). Error offsets count from the start of `bytes`.
 */
export function decodeMessageParams(bytes: Uint8Array, start: number, limits?: Partial<CborLimits>): CborMap {
  if (!Number.isInteger(start) || start < 0 || start > bytes.length) {
    throw new RangeError(`Parameter start ${start} is outside the message of ${bytes.length} bytes.`);
  }
  const resolvedLimits = resolveCborLimits(limits);
  if (start === bytes.length) return new Map();
  if ((bytes[start] as number) >>> 5 !== 5) {
    throw cborError('CBOR_NOT_A_MAP', start, `CBOR item at byte ${start} is not a map; HKP/1 parameters must be a map.`);
  }
  begin(bytes, start, resolvedLimits);
  const params = readItem(0) as CborMap;
  finish();
  return params;
}
