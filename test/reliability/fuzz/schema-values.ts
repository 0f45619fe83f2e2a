/**
 * Parameter maps generated from the command schemas (protocol/src/messages/commands.ts): every field present with
 * a valid value, an out-of-range or wrong-type value, or absent, plus keys the schema does not define. An oracle
 * written from docs/protocol.md §3.3, §3.4 and §5.4 says which status each map must get, so the fuzzer checks
 * the decoder's (and the key's) answer, not only that one came.
 */
import fc from 'fast-check';
import { type CborMap, type CborValue, type CommandName, Commands, type Field, type Schema, type StatusName, schemaFields } from '@hkey/protocol';
import { seededBytes, seededText } from './mutate.js';

/** A field type as the schema's description states it ("uint 1..65535", "array of up to 8 (text 1..256 bytes)"). */
type FieldKind =
  | { readonly t: 'uint'; readonly min: number; readonly max: number }
  | { readonly t: 'uint64' }
  | { readonly t: 'enum'; readonly codes: readonly number[] }
  | { readonly t: 'text'; readonly min: number; readonly max: number }
  | { readonly t: 'bytes'; readonly min: number; readonly max: number }
  | { readonly t: 'bool' }
  | { readonly t: 'array'; readonly max: number; readonly item: FieldKind }
  | { readonly t: 'map'; readonly schema: Schema };

function kindOf(description: string, nested: Schema | undefined): FieldKind {
  let match: RegExpExecArray | null;
  if (description === 'uint 0..2^64-1') return { t: 'uint64' };
  if ((match = /^uint (\d+)\.\.(\d+)$/.exec(description))) return { t: 'uint', min: Number(match[1]), max: Number(match[2]) };
  if ((match = /^uint enum: (.*)$/.exec(description)))
    return { t: 'enum', codes: (match[1] as string).split(', ').map((entry) => Number(entry.split(' ')[0])) };
  if ((match = /^text (\d+)\.\.(\d+) bytes$/.exec(description))) return { t: 'text', min: Number(match[1]), max: Number(match[2]) };
  if ((match = /^bytes (\d+)\.\.(\d+)$/.exec(description))) return { t: 'bytes', min: Number(match[1]), max: Number(match[2]) };
  if (description === 'bool') return { t: 'bool' };
  if ((match = /^array of up to (\d+) \((.*)\)$/.exec(description))) return { t: 'array', max: Number(match[1]), item: kindOf(match[2] as string, nested) };
  if (description === 'map' && nested) return { t: 'map', schema: nested };
  throw new Error(`The fuzzer does not know the field type "${description}"; teach test/reliability/fuzz/schema-values.ts.`);
}

const fieldKind = (field: Field<unknown>): FieldKind => kindOf(field.type.description, field.type.nested);

const utf8 = new TextEncoder();
/** Characters of 1, 2, 3 and 4 UTF-8 bytes, so byte limits are hit with multi-byte text too. */
const CHARACTERS = ['a', 'Z', '7', '-', 'é', 'ß', '€', '中', '😀'];

const CHARACTER_BYTES = new Map(CHARACTERS.map((character) => [character, utf8.encode(character).length]));

/** Text of `minBytes..maxBytes` UTF-8 bytes, usually one of the bounds (ASCII fills what a wide character would overshoot). */
export function textOfBytes(minBytes: number, maxBytes: number): fc.Arbitrary<string> {
  const length = minBytes === maxBytes ? fc.constant(minBytes) : fc.oneof(fc.constantFrom(minBytes, maxBytes), fc.integer({ min: minBytes, max: maxBytes }));
  return fc.tuple(length, seededText(CHARACTERS, 0, maxBytes)).map(([bytes, characters]) => {
    let text = '';
    let used = 0;
    for (const character of characters) {
      const size = CHARACTER_BYTES.get(character) ?? 4;
      if (used + size > bytes) break;
      text += character;
      used += size;
    }
    return text + 'x'.repeat(bytes - used);
  });
}

/** Wrong-type values: each kind gets the others. */
const WRONG_TYPES: readonly (() => CborValue)[] = [() => 1, () => -1, () => 'x', () => new Uint8Array(3), () => true, () => [], () => new Map()];

function wrongType(kind: FieldKind): fc.Arbitrary<CborValue> {
  const typeOf = (value: CborValue): string =>
    value instanceof Uint8Array ? 'bytes' : value instanceof Map ? 'map' : Array.isArray(value) ? 'array' : typeof value;
  const own = { uint: 'number', uint64: 'number', enum: 'number', text: 'string', bytes: 'bytes', bool: 'boolean', array: 'array', map: 'map' }[kind.t];
  return fc.constantFrom(...WRONG_TYPES.filter((make) => typeOf(make()) !== own)).map((make) => make());
}

type Overrides = MapOptions['values'];

function validValue(kind: FieldKind, values?: Overrides): fc.Arbitrary<CborValue> {
  switch (kind.t) {
    case 'uint':
      return fc.oneof(fc.constantFrom(kind.min, kind.max), fc.bigInt({ min: BigInt(kind.min), max: BigInt(kind.max) }).map(Number));
    case 'uint64':
      return fc.oneof(
        fc.constantFrom<CborValue>(0, 1, Number.MAX_SAFE_INTEGER, 2n ** 64n - 1n, 2n ** 64n - 2n),
        fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }),
        fc.nat(),
      );
    case 'enum':
      return fc.constantFrom(...kind.codes);
    case 'text':
      return textOfBytes(kind.min, kind.max);
    case 'bytes':
      return seededBytes(kind.min, kind.max);
    case 'bool':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(kind.item), { maxLength: Math.min(kind.max, 3) });
    case 'map':
      return parameterMap(kind.schema, { invalid: false, values });
  }
}

function invalidValue(kind: FieldKind, values?: Overrides): fc.Arbitrary<CborValue> {
  const wrong = wrongType(kind);
  switch (kind.t) {
    case 'uint':
      return fc.oneof(wrong, fc.constantFrom<CborValue>(kind.max + 1, -1, 2n ** 64n - 1n, -(2n ** 64n), ...(kind.min > 0 ? [kind.min - 1] : [])));
    case 'uint64':
      return fc.oneof(wrong, fc.constantFrom<CborValue>(-1, -(2n ** 64n)));
    case 'enum':
      return fc.oneof(wrong, fc.constantFrom<CborValue>(Math.max(...kind.codes) + 1, 255, -1));
    case 'text':
      return fc.oneof(wrong, textOfBytes(kind.max + 1, kind.max + 1), ...(kind.min > 0 ? [fc.constant<CborValue>('')] : []));
    case 'bytes':
      return fc.oneof(wrong, seededBytes(kind.max + 1, kind.max + 1), seededBytes(0, Math.max(0, kind.min - 1)));
    case 'bool':
      return fc.oneof(wrong, fc.constantFrom<CborValue>(0, 1));
    case 'array':
      return fc.oneof(
        wrong,
        fc.array(validValue(kind.item), { minLength: kind.max + 1, maxLength: kind.max + 1 }),
        fc.tuple(fc.array(validValue(kind.item), { maxLength: 2 }), invalidValue(kind.item)).map(([items, bad]) => [...items, bad]),
      );
    case 'map':
      return fc.oneof(wrong, parameterMap(kind.schema, { invalid: true, values }));
  }
}

export interface MapOptions {
  /** Whether fields may get invalid values and undefined keys may appear. */
  readonly invalid: boolean;
  /** Arbitraries that replace the valid values of some fields (the key model plants recognisable secrets). */
  readonly values?: Readonly<Record<string, fc.Arbitrary<CborValue>>>;
}

/** A map for `schema`: required fields usually present, optional ones sometimes, each valid or (if allowed) not. */
export function parameterMap(schema: Schema, options: MapOptions): fc.Arbitrary<CborMap> {
  const fields = schemaFields(schema);
  const entries = fields.map(([name, field]) => {
    const kind = fieldKind(field);
    const valid = options.values?.[name] ?? validValue(kind, options.values);
    const choices: fc.WeightedArbitrary<[number, CborValue] | undefined>[] = [
      { weight: field.required ? 1 : 6, arbitrary: fc.constant(undefined) },
      { weight: field.required ? 14 : 5, arbitrary: valid.map((value) => [field.key, value] as [number, CborValue]) },
    ];
    if (options.invalid) choices.push({ weight: 1, arbitrary: invalidValue(kind, options.values).map((value) => [field.key, value] as [number, CborValue]) });
    return fc.oneof(...choices);
  });
  const defined = new Set(fields.map(([, field]) => field.key));
  const unknownKeys = options.invalid
    ? fc.oneof(
        { weight: 9, arbitrary: fc.constant<number[]>([]) },
        { weight: 1, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 }) },
      )
    : fc.constant<number[]>([]);
  return fc.tuple(fc.tuple(...entries), unknownKeys, fc.constantFrom<CborValue>(0, 'x', true)).map(([present, extra, filler]) => {
    const map: CborMap = new Map();
    for (const entry of present) if (entry) map.set(entry[0], entry[1]);
    for (const key of extra) if (!defined.has(key)) map.set(key, filler);
    return new Map([...map].sort(([a], [b]) => a - b));
  });
}

/** The request map of `command`, fuzzed: invalid values in a tenth of the fields' choices. */
export function requestMap(command: CommandName, options: MapOptions): fc.Arbitrary<CborMap> {
  return parameterMap(Commands[command].request, options);
}

export interface Expected {
  readonly status: StatusName;
  /** The field path a MessageError names (docs/protocol.md §3.4); undefined for OK and CBOR statuses. */
  readonly field?: string;
}

const OK: Expected = { status: 'OK' };
const UINT64_MAX = 2n ** 64n - 1n;
const LIMITS = { strings: 256, array: 32, map: 24, depth: 4 };

/** The CBOR limit a value breaks (docs/protocol.md §3.2.4), in decoding order; generated maps are otherwise canonical. */
function cborLimitBroken(value: CborValue, depth: number): StatusName | undefined {
  if (typeof value === 'string') return utf8.encode(value).length > LIMITS.strings ? 'CBOR_LIMIT_EXCEEDED' : undefined;
  if (value instanceof Uint8Array) return value.length > LIMITS.strings ? 'CBOR_LIMIT_EXCEEDED' : undefined;
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : undefined;
  if (items === undefined) return undefined;
  if (depth + 1 > LIMITS.depth) return 'CBOR_TOO_DEEP';
  if (items.length > (Array.isArray(value) ? LIMITS.array : LIMITS.map)) return 'CBOR_LIMIT_EXCEEDED';
  for (const item of items) {
    const broken = cborLimitBroken(item, depth + 1);
    if (broken) return broken;
  }
  return undefined;
}

function valueProblem(kind: FieldKind, value: CborValue, path: string): Expected | undefined {
  const invalid: Expected = { status: 'INVALID_PARAMETER', field: path };
  switch (kind.t) {
    case 'uint':
      return typeof value === 'number' && Number.isInteger(value) && value >= kind.min && value <= kind.max ? undefined : invalid;
    case 'uint64':
      return (typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'bigint' && value >= 0n && value <= UINT64_MAX)
        ? undefined
        : invalid;
    case 'enum':
      return typeof value === 'number' && kind.codes.includes(value) ? undefined : invalid;
    case 'text': {
      if (typeof value !== 'string') return invalid;
      const length = utf8.encode(value).length;
      return length >= kind.min && length <= kind.max ? undefined : invalid;
    }
    case 'bytes':
      return value instanceof Uint8Array && value.length >= kind.min && value.length <= kind.max ? undefined : invalid;
    case 'bool':
      return typeof value === 'boolean' ? undefined : invalid;
    case 'array': {
      if (!Array.isArray(value) || value.length > kind.max) return invalid;
      for (const [index, item] of value.entries()) {
        const problem = valueProblem(kind.item, item, `${path}[${index}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'map': {
      if (!(value instanceof Map)) return invalid;
      const problem = mapProblem(kind.schema, value, `${path}.`);
      if (problem) return problem;
      return otpRuleProblem(kind.schema, value, path);
    }
  }
}

/** The one cross-field rule of the data model (§5.4): period is TOTP only, counter HOTP only. */
function otpRuleProblem(schema: Schema, map: CborMap, path: string): Expected | undefined {
  const { kind, period, counter } = schema as Partial<Record<'kind' | 'period' | 'counter', Field<unknown>>>;
  if (!kind || !period || !counter) return undefined;
  const kindValue = map.get(kind.key);
  if (kindValue === 0 && map.has(counter.key)) return { status: 'INVALID_PARAMETER', field: `${path}.counter` };
  if (kindValue === 1 && map.has(period.key)) return { status: 'INVALID_PARAMETER', field: `${path}.period` };
  return undefined;
}

/** docs/protocol.md §3.4: keys in ascending order (undefined key, then the value), then missing required keys. */
function mapProblem(schema: Schema, map: CborMap, prefix: string): Expected | undefined {
  const fields = schemaFields(schema);
  const byKey = new Map(fields.map(([name, field]) => [field.key, [name, field] as const]));
  for (const key of [...map.keys()].sort((a, b) => a - b)) {
    const entry = byKey.get(key);
    if (entry === undefined) return { status: 'UNKNOWN_PARAMETER', field: `${prefix}${key}` };
    const problem = valueProblem(fieldKind(entry[1]), map.get(key) as CborValue, `${prefix}${entry[0]}`);
    if (problem) return problem;
  }
  for (const [name, field] of fields) if (field.required && !map.has(field.key)) return { status: 'MISSING_PARAMETER', field: `${prefix}${name}` };
  return undefined;
}

/** The status a request with these parameters must get before any command-specific check (§3.6 steps 3). */
export function expectedDecoding(schema: Schema, map: CborMap): Expected {
  const broken = cborLimitBroken(map, 0);
  if (broken) return { status: broken };
  return mapProblem(schema, map, '') ?? OK;
}
