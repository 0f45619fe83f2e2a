/**
 * A provisioning batch: CSV with a header line, or a JSON array of objects (or `{"rows": [...]}`), one account
 * per row. Every row is checked completely before any key is touched; problems name the row and the column and
 * never repeat a value, since rows carry secrets.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { FLAG_NAMES, checkRequest } from '../account-fields.js';
import { CliError, errorCode, errorMessage } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { OtpParameterError, accountNameFromUri, resolveOtp } from '../otp-credential.js';
import { type SuppliedSecret, parseBase32Secret, parseUri } from '../secret-input.js';
import type { VerifiedAccountRequest } from '../verified-write.js';

export const COLUMNS = [
  'serial',
  'name',
  'login',
  'password',
  'urls',
  'apps',
  'flags',
  'secret',
  'uri',
  'type',
  'algorithm',
  'digits',
  'period',
  'counter',
] as const;
type Column = (typeof COLUMNS)[number];

export interface BatchRow {
  /** 1-based number of the row among the data rows (the CSV header is not a row). */
  readonly row: number;
  /** The key this row must go to; without it, any key not yet done (one at a time) or any free key (--parallel). */
  readonly serial?: string;
  readonly request: VerifiedAccountRequest;
}

export interface RowProblem {
  readonly row: number;
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export interface Batch {
  readonly rows: readonly BatchRow[];
  readonly problems: readonly RowProblem[];
}

/** A problem with one row; `field` is the column to fix. */
class RowError extends CliError {
  constructor(
    readonly field: string,
    code: string,
    message: string,
  ) {
    super(code, message);
  }
}

type RawValue = string | number | boolean | null | undefined | readonly unknown[];
type RawRow = Readonly<Record<string, RawValue>>;

const FLAG_BITS = new Map<string, number>([...FLAG_NAMES.map(([bit, name]) => [name, bit] as const), ['readonly', FLAG_NAMES[0]![0]]]);

const CSV_PROBLEMS: Readonly<Record<string, string>> = {
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a row has a different number of fields than the header',
  CSV_RECORD_INCONSISTENT_COLUMNS: 'a row has a different number of fields than the header',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  CSV_INVALID_OPENING_QUOTE: 'a quote appears inside an unquoted field',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field has text after its closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted field has text after its closing quote',
};

/**
 * A header cell or JSON key that is not a column. It is named by position only: a file without a header line has
 * a data row where the header should be, often with a secret in it (and `provision /etc/passwd` would repeat a
 * line of that file).
 */
function unknownColumn(file: string, position: number): CliError {
  return new CliError(
    'BATCH_UNKNOWN_COLUMN',
    `Column ${position} of the header of ${file} is not a known column (the columns are ${COLUMNS.join(', ')}): ` +
      'a CSV batch starts with a header line naming its columns.',
  );
}

function unknownKey(file: string, row: number, position: number): CliError {
  return new CliError('BATCH_UNKNOWN_COLUMN', `Key ${position} of row ${row} of ${file} is not a known column (the columns are ${COLUMNS.join(', ')}).`);
}

async function parseCsv(text: string, file: string): Promise<RawRow[]> {
  const { parse } = await import('csv-parse/sync');
  try {
    return parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      columns: (header: string[]) =>
        header.map((name, index) => {
          const column = name.trim().toLowerCase();
          if (!(COLUMNS as readonly string[]).includes(column)) throw unknownColumn(file, index + 1);
          return column;
        }),
    }) as RawRow[];
  } catch (error) {
    if (error instanceof CliError) throw error;
    // csv-parse's own messages quote field values, which may be secrets: report its code and line only.
    const code = errorCode(error) ?? 'CSV_MALFORMED';
    const line = (error as { lines?: number }).lines;
    throw new CliError(
      'BATCH_CSV',
      `${file} is not valid CSV${line === undefined ? '' : ` at line ${line}`}: ${CSV_PROBLEMS[code] ?? 'the file is malformed'}.`,
    );
  }
}

function parseJson(text: string, file: string): RawRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's messages quote a piece of the text, which may be a secret: keep only the position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    throw new CliError('BATCH_JSON', `${file} is not valid JSON${line === undefined ? '' : ` (line ${line})`}: fix the syntax and run again.`);
  }
  const rows = Array.isArray(value) ? value : (value as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new CliError('BATCH_JSON', `${file} must hold a JSON array of rows, or an object with a "rows" array.`);
  return rows.map((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new CliError('BATCH_JSON', `Row ${index + 1} of ${file} is not a JSON object.`);
    for (const [position, key] of Object.keys(row).entries())
      if (!(COLUMNS as readonly string[]).includes(key)) throw unknownKey(file, index + 1, position + 1);
    return row as RawRow;
  });
}

/** A cell as text: empty cells and absent keys are undefined. */
function text(row: RawRow, column: Column): string | undefined {
  const value = row[column];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') throw new RowError(column, 'BATCH_VALUE', `column ${column} must be text, not a list`);
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A list cell: a JSON array of texts, or text separated by spaces (and for flags also commas, semicolons or bars). */
function textList(row: RawRow, column: Column, separator: RegExp): string[] | undefined {
  const value = row[column];
  if (Array.isArray(value)) {
    if (!value.every((item) => typeof item === 'string')) throw new RowError(column, 'BATCH_VALUE', `column ${column} must be a list of texts`);
    return value.length === 0 ? undefined : (value as string[]);
  }
  const joined = text(row, column);
  return joined === undefined ? undefined : joined.split(separator).filter((item) => item !== '');
}

function parseFlags(row: RawRow): number | undefined {
  const names = textList(row, 'flags', /[\s,;|]+/);
  if (names === undefined) return undefined;
  let flags = 0;
  for (const name of names) {
    const bit = FLAG_BITS.get(name.toLowerCase());
    if (bit === undefined)
      throw new RowError('flags', 'BATCH_FLAG', `column flags has an unknown flag (the flags are ${FLAG_NAMES.map(([, flag]) => flag).join(', ')})`);
    flags |= bit;
  }
  return flags === 0 ? undefined : flags;
}

function supplied(row: RawRow): SuppliedSecret {
  const secret = text(row, 'secret');
  const uri = text(row, 'uri');
  if (secret !== undefined && uri !== undefined) throw new RowError('uri', 'BATCH_SECRET', 'give either column secret or column uri, not both');
  if (uri !== undefined) return wrap('uri', () => ({ kind: 'uri', uri: parseUri(uri, 'column uri') }));
  if (secret !== undefined) return wrap('secret', () => ({ kind: 'base32', secret: parseBase32Secret(secret, 'column secret') }));
  throw new RowError('secret', 'BATCH_SECRET', 'the row needs an OTP secret: fill column secret or column uri');
}

function wrap<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new RowError(field, errorCode(error) ?? 'BATCH_VALUE', errorMessage(error).replace(/\.$/, ''));
  }
}

/** Request fields as batch columns, for the codec's checks. */
const COLUMN_OF_FIELD: Readonly<Record<string, string>> = {
  name: 'column name',
  login: 'column login',
  password: 'column password',
  urls: 'column urls',
  apps: 'column apps',
  flags: 'column flags',
};

function parseRow(raw: RawRow, row: number): BatchRow {
  const secret = supplied(raw);
  let otp;
  try {
    otp = resolveOtp(
      secret,
      { type: text(raw, 'type'), algorithm: text(raw, 'algorithm'), digits: text(raw, 'digits'), period: text(raw, 'period'), counter: text(raw, 'counter') },
      (field) => `column ${field}`,
    );
  } catch (error) {
    if (error instanceof OtpParameterError) throw new RowError(error.field, error.code, error.message.replace(/\.$/, ''));
    throw error;
  }
  const uri = secret.kind === 'uri' ? secret.uri : undefined;
  const name = text(raw, 'name') ?? (uri && accountNameFromUri(uri));
  if (name === undefined) throw new RowError('name', 'BATCH_NAME', 'column name is empty (only a row with an otpauth URI may leave it out)');
  const request: VerifiedAccountRequest = {
    name,
    login: text(raw, 'login') ?? uri?.accountName,
    password: text(raw, 'password'),
    urls: textList(raw, 'urls', /\s+/),
    apps: textList(raw, 'apps', /\s+/),
    flags: parseFlags(raw),
    otp,
  };
  try {
    checkRequest('AccountCreate', request, (field) => COLUMN_OF_FIELD[field.replace(/[.[].*$/, '')] ?? `column ${field}`);
  } catch (error) {
    const field = /^column (\w+)/.exec(errorMessage(error))?.[1] ?? 'name';
    throw new RowError(field, errorCode(error) ?? 'BATCH_VALUE', errorMessage(error).replace(/\.$/, ''));
  }
  const serial = text(raw, 'serial');
  return serial === undefined ? { row, request } : { row, serial, request };
}

/** Reads and checks a whole batch file; rows with problems are left out of `rows` and listed in `problems`. */
export async function readBatch(file: string): Promise<Batch> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch {
    throw new CliError('BATCH_FILE', `Cannot read ${file}: check the path and its permissions.`, ExitCode.USAGE);
  }
  const json = extname(file).toLowerCase() === '.json' || /^\s*[[{]/.test(content);
  const raw = json ? parseJson(content, file) : await parseCsv(content, file);
  if (raw.length === 0) throw new CliError('BATCH_EMPTY', `${file} has no rows: add one account per row under the header.`);
  const rows: BatchRow[] = [];
  const problems: RowProblem[] = [];
  const targeted = new Map<string, number>();
  raw.forEach((cells, index) => {
    const row = index + 1;
    try {
      const parsed = parseRow(cells, row);
      if (parsed.serial !== undefined) {
        // Two rows for the same name on the same key: the second could only fail, after the first was written.
        const key = `${parsed.serial}\u0000${parsed.request.name}`;
        const earlier = targeted.get(key);
        if (earlier !== undefined)
          throw new RowError('name', 'BATCH_DUPLICATE', `row ${earlier} already writes an account of this name to the same key (column serial)`);
        targeted.set(key, row);
      }
      rows.push(parsed);
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      problems.push({ row, field: error.field, code: error.code, message: `Row ${row}: ${error.message}.` });
    }
  });
  return { rows, problems };
}
