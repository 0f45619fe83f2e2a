import { expect } from 'vitest';
import { CborError } from '../src/errors.js';
import { Status } from '../src/status.js';
import type { CborStatusName } from '../src/cbor/index.js';

/** Bytes from hex written as in the spec ("a1 01 02"); spaces are ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(digits)) throw new Error(`Not an even run of hex digits: ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Runs `run`, expecting a CborError with this code, the matching status, and this offset named in its message. */
export function expectCborError(run: () => unknown, code: CborStatusName, offset: number): CborError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(CborError);
  const error = caught as CborError;
  expect({ code: error.code, status: error.status, offset: error.offset }).toEqual({ code, status: Status[code], offset });
  expect(error.message).toContain(`byte ${offset}`);
  return error;
}
