/** Field types of HKP/1 maps (docs/protocol.md §3.4). */
import type { CborValue } from '../cbor-types.js';
import { type FieldType, type Infer, type Schema, decodeMap, encodeMap, invalidParameter } from './schema.js';

const utf8 = new TextEncoder();

function isInteger(value: CborValue): value is number | bigint {
  return (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
}

/** An unsigned integer within [min, max] that fits a JS number. */
export function uint(min: number, max: number): FieldType<number> {
  return {
    description: `uint ${min}..${max}`,
    decode(value, path) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw invalidParameter(path, `an unsigned integer from ${min} to ${max}`);
      }
      return value;
    },
    encode: (value) => value,
  };
}

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** A 64-bit unsigned integer: a number when it is a safe integer, otherwise a bigint. */
export function uint64(): FieldType<number | bigint> {
  return {
    description: 'uint 0..2^64-1',
    decode(value, path) {
      if (!isInteger(value) || value < 0 || (typeof value === 'bigint' && value > UINT64_MAX)) {
        throw invalidParameter(path, 'an unsigned 64-bit integer');
      }
      return value;
    },
    encode: (value) => value,
  };
}

/** A UTF-8 text string whose encoded length is within [minBytes, maxBytes], optionally matching a pattern. */
export function text(minBytes: number, maxBytes: number, pattern?: { regex: RegExp; meaning: string }): FieldType<string> {
  const expectation = pattern?.meaning ?? `text of ${minBytes} to ${maxBytes} UTF-8 bytes`;
  return {
    description: pattern ? `text, ${pattern.meaning}` : `text ${minBytes}..${maxBytes} bytes`,
    decode(value, path) {
      if (typeof value !== 'string') throw invalidParameter(path, expectation);
      const length = utf8.encode(value).length;
      if (length < minBytes || length > maxBytes || (pattern && !pattern.regex.test(value))) {
        throw invalidParameter(path, expectation);
      }
      return value;
    },
    encode: (value) => value,
  };
}

export function bytes(minBytes: number, maxBytes: number): FieldType<Uint8Array> {
  return {
    description: `bytes ${minBytes}..${maxBytes}`,
    decode(value, path) {
      if (!(value instanceof Uint8Array) || value.length < minBytes || value.length > maxBytes) {
        throw invalidParameter(path, `a byte string of ${minBytes} to ${maxBytes} bytes`);
      }
      return value;
    },
    encode: (value) => value,
  };
}

export function bool(): FieldType<boolean> {
  return {
    description: 'bool',
    decode(value, path) {
      if (typeof value !== 'boolean') throw invalidParameter(path, 'true or false');
      return value;
    },
    encode: (value) => value,
  };
}

/** An enumeration carried as a small unsigned integer and exposed by name. */
export function enumeration<const E extends Record<string, number>>(values: E): FieldType<keyof E & string> {
  const names = new Map(Object.entries(values).map(([name, code]) => [code, name]));
  const listing = Object.entries(values)
    .map(([name, code]) => `${code} ${name}`)
    .join(', ');
  return {
    description: `uint enum: ${listing}`,
    decode(value, path) {
      const name = typeof value === 'number' ? names.get(value) : undefined;
      if (name === undefined) throw invalidParameter(path, `one of ${listing}`);
      return name as keyof E & string;
    },
    encode: (value) => values[value] as number,
  };
}

export function arrayOf<T>(item: FieldType<T>, maxItems: number): FieldType<T[]> {
  return {
    description: `array of up to ${maxItems} (${item.description})`,
    nested: item.nested,
    decode(value, path) {
      if (!Array.isArray(value) || value.length > maxItems) throw invalidParameter(path, `an array of at most ${maxItems} items`);
      return value.map((element, index) => item.decode(element, `${path}[${index}]`));
    },
    encode: (value) => value.map((element) => item.encode(element)),
  };
}

/** A nested map with its own schema, optionally with a cross-field rule returning the offending field name. */
export function mapOf<S extends Schema>(schema: S, rule?: (value: Infer<S>) => { field: string; expectation: string } | undefined): FieldType<Infer<S>> {
  return {
    description: 'map',
    nested: schema,
    decode(value, path) {
      if (!(value instanceof Map)) throw invalidParameter(path, 'a map');
      const decoded = decodeMap(schema, value, `${path}.`);
      const problem = rule?.(decoded);
      if (problem) throw invalidParameter(`${path}.${problem.field}`, problem.expectation);
      return decoded;
    },
    encode: (value) => encodeMap(schema, value),
  };
}
