/**
 * A small schema language for HKP/1 parameter maps (docs/protocol.md §3.4).
 * Each schema is the single source of truth for one map: encoding, strict decoding with
 * field-named errors, TypeScript types (via Infer) and the spec's tables (via describe()).
 */
import type { CborMap, CborValue } from '../cbor-types.js';
import { MessageError } from '../errors.js';
import { Status } from '../status.js';

export interface FieldType<T> {
  /** How the spec's tables describe this type, e.g. "uint 1..65535". */
  readonly description: string;
  /** Converts a decoded CBOR value, throwing MessageError(INVALID_PARAMETER) naming `path` when it does not fit. */
  decode(value: CborValue, path: string): T;
  encode(value: T): CborValue;
  /** Nested schema, when this type is a map (or an array of maps), for the spec's tables. */
  readonly nested?: Schema;
}

export interface Field<T, R extends boolean = boolean> {
  readonly key: number;
  readonly type: FieldType<T>;
  readonly required: R;
  readonly doc: string;
  /** Secret fields are redacted from every event, log and recording. */
  readonly secret: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a schema holds fields of every value type
export type Schema = Readonly<Record<string, Field<any>>>;

type ValueOf<F> = F extends Field<infer T> ? T : never;
type RequiredKeys<S extends Schema> = { [K in keyof S]: S[K] extends Field<unknown, true> ? K : never }[keyof S];
type OptionalKeys<S extends Schema> = Exclude<keyof S, RequiredKeys<S>>;

/** The TypeScript shape of a decoded map. */
export type Infer<S extends Schema> = { -readonly [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  -readonly [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

export function required<T>(key: number, type: FieldType<T>, doc: string, options?: { secret?: boolean }): Field<T, true> {
  return { key, type, required: true, doc, secret: options?.secret ?? false };
}

export function optional<T>(key: number, type: FieldType<T>, doc: string, options?: { secret?: boolean }): Field<T, false> {
  return { key, type, required: false, doc, secret: options?.secret ?? false };
}

export function invalidParameter(path: string, expectation: string): MessageError {
  return new MessageError('INVALID_PARAMETER', Status.INVALID_PARAMETER, `Parameter "${path}" must be ${expectation}.`, path);
}

interface CompiledSchema {
  readonly byKey: ReadonlyMap<number, readonly [string, Field<unknown>]>;
  readonly requiredNames: readonly string[];
  readonly ordered: readonly (readonly [string, Field<unknown>])[];
}

const compiled = new WeakMap<Schema, CompiledSchema>();

function compile(schema: Schema): CompiledSchema {
  let result = compiled.get(schema);
  if (result === undefined) {
    const ordered = Object.entries(schema).sort((a, b) => a[1].key - b[1].key);
    result = {
      byKey: new Map(ordered.map((entry) => [entry[1].key, entry] as const)),
      requiredNames: ordered.filter(([, field]) => field.required).map(([name]) => name),
      ordered,
    };
    compiled.set(schema, result);
  }
  return result;
}

/** Decodes a CBOR map against a schema: unknown keys, missing required keys and wrong types are MessageErrors. */
export function decodeMap<S extends Schema>(schema: S, map: CborMap, prefix = ''): Infer<S> {
  const { byKey, requiredNames } = compile(schema);
  const out: Record<string, unknown> = {};
  for (const [key, value] of map) {
    const entry = byKey.get(key);
    if (entry === undefined) {
      const where = prefix === '' ? 'the parameters' : `"${prefix.slice(0, -1)}"`;
      throw new MessageError('UNKNOWN_PARAMETER', Status.UNKNOWN_PARAMETER, `Key ${key} is not defined in ${where}.`, `${prefix}${key}`);
    }
    out[entry[0]] = entry[1].type.decode(value, prefix + entry[0]);
  }
  for (const name of requiredNames) {
    if (!(name in out)) {
      const path = prefix + name;
      throw new MessageError('MISSING_PARAMETER', Status.MISSING_PARAMETER, `Parameter "${path}" is required.`, path);
    }
  }
  return out as Infer<S>;
}

/** Encodes an object to a CBOR map; undefined optional fields are omitted. */
export function encodeMap<S extends Schema>(schema: S, value: Infer<S>): CborMap {
  const map: CborMap = new Map();
  const record = value as Record<string, unknown>;
  for (const [name, field] of compile(schema).ordered) {
    const fieldValue = record[name];
    if (fieldValue !== undefined) map.set(field.key, field.type.encode(fieldValue));
  }
  return map;
}

/** Fields in key order, for the spec's tables and for redaction. */
export function schemaFields(schema: Schema): readonly (readonly [string, Field<unknown>])[] {
  return compile(schema).ordered;
}
