/** Small assertions that fail a case with "expected … seen …" in the words of the spec. */
import { CaseFailure } from './failures.js';

export function fail(expected: string, seen: string): never {
  throw new CaseFailure(expected, seen);
}

export function check(condition: boolean, expected: string, seen: () => string): asserts condition {
  if (!condition) fail(expected, seen());
}

export function checkEqual<T>(actual: T, expected: T, what: string, show: (value: T) => string = String): void {
  if (!Object.is(actual, expected)) fail(`${what} ${show(expected)}`, `${what} ${show(actual)}`);
}

export function toHex(bytes: Uint8Array, separator = ' '): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(separator);
}

export function fromHex(hex: string): Uint8Array {
  const digits = hex.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) throw new RangeError(`Not a hex byte string: ${hex}`);
  return Uint8Array.from({ length: digits.length / 2 }, (_, index) => parseInt(digits.slice(index * 2, index * 2 + 2), 16));
}

/** Hex of at most `limit` bytes, for messages about long payloads. */
export function describeBytes(bytes: Uint8Array, limit = 24): string {
  if (bytes.length === 0) return 'no bytes';
  const shown = toHex(bytes.subarray(0, limit));
  return bytes.length > limit ? `${bytes.length} bytes: ${shown} …` : shown;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Where two byte strings first differ, for "echo differs at byte N". */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) if (a[index] !== b[index]) return index;
  return length;
}

export function byteName(value: number): string {
  return `0x${value.toString(16).padStart(2, '0')}`;
}

/** Deterministic test payloads: easy to recognise in a packet dump, never all zero. */
export function patternBytes(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 7 + 3 + seed) & 0xff);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
