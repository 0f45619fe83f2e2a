/** Strict reads of the sealed formats' CBOR maps: every member typed, unknown members refused (one encoding per value). */
import type { CborMap, CborValue } from '../cbor-types.js';
import { decodeCbor } from '../cbor/index.js';
import { SealedError, type SealedErrorCode } from './sealed-error.js';

export class FieldReader {
  private readonly seen = new Set<number>();

  constructor(
    private readonly map: CborMap,
    private readonly code: SealedErrorCode,
    private readonly what: string,
  ) {}

  /** Decodes bytes as one HKP-canonical CBOR map (docs/protocol.md §3.2). */
  static decode(bytes: Uint8Array, code: SealedErrorCode, what: string): FieldReader {
    let value: CborValue;
    try {
      value = decodeCbor(bytes);
    } catch (error) {
      throw new SealedError(code, `The ${what} is not canonical CBOR.`, { cause: error });
    }
    if (!(value instanceof Map)) throw new SealedError(code, `The ${what} is not a CBOR map.`);
    return new FieldReader(value, code, what);
  }

  bytes(key: number, name: string, length?: number): Uint8Array {
    const value = this.take(key, name);
    if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
      throw this.invalid(name, length === undefined ? 'a byte string' : `${length} bytes`);
    }
    return value;
  }

  text(key: number, name: string): string {
    const value = this.take(key, name);
    if (typeof value !== 'string' || value.length === 0) throw this.invalid(name, 'a non-empty text string');
    return value;
  }

  uint(key: number, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.take(key, name);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw this.invalid(name, `an integer from ${min} to ${max}`);
    return value;
  }

  optionalUint(key: number, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.map.has(key) ? this.uint(key, name, min, max) : undefined;
  }

  nestedMap(key: number, name: string): CborMap {
    const value = this.take(key, name);
    if (!(value instanceof Map)) throw this.invalid(name, 'a map');
    return value;
  }

  /** The chunks of a value longer than HKP's 256-byte string limit, joined. */
  chunks(key: number, name: string, maxBytes: number): Uint8Array {
    const value = this.take(key, name);
    if (!Array.isArray(value) || value.length === 0 || !value.every((chunk) => chunk instanceof Uint8Array && chunk.length > 0)) {
      throw this.invalid(name, 'an array of non-empty byte strings');
    }
    const parts = value as Uint8Array[];
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    if (total > maxBytes) throw this.invalid(name, `at most ${maxBytes} bytes`);
    const joined = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }

  /** Refuses members this version does not define. */
  end(): void {
    for (const key of this.map.keys()) {
      if (!this.seen.has(key)) throw new SealedError(this.code, `The ${this.what} has a member ${key} this version does not define.`);
    }
  }

  private take(key: number, name: string): CborValue {
    this.seen.add(key);
    const value = this.map.get(key);
    if (value === undefined) throw new SealedError(this.code, `The ${this.what} has no ${name}.`);
    return value;
  }

  private invalid(name: string, expected: string): SealedError {
    return new SealedError(this.code, `The ${this.what}'s ${name} must be ${expected}.`);
  }
}

/** Splits bytes into chunks that fit HKP's 256-byte strings (docs/protocol.md §3.2.4). */
export function toChunks(bytes: Uint8Array, size = 256): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}
