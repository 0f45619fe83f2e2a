/**
 * State-file fuzz targets (docs/protocol.md §8.4): stateFromJson on mutated state JSON, and FileStore.load on
 * mutated files (plain and encrypted, with and without a recomputed checksum) and on random bytes.
 *
 * A state is either refused with a StateFileError that names the problem and the way out (--reset-state), or it
 * is a state the key can serve: a key started from it answers GetInfo, AccountList, AccountGet and GetOtp for
 * every account with responses that fit one message and decode, and its storage accounting adds up (§5.3).
 * A case is one JSON document or one file.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { type CommandName, Limits, decodeResponse, encodeRequest, statusName } from '@hkey/protocol';
import { type DeviceState, ManualClock, MemoryStore, StateFileError, VirtualKey, stateFromJson, stateToJson } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';
import { checkAsync } from './budget.js';
import { type ModelSeed, deviceState, recordBytes } from './key-model.js';
import { PIN_POOL, SEEDS } from './key-targets.js';
import { anyText, mutatedBytes, mutatedText, seededBytes } from './mutate.js';
import { fail } from './oracle.js';

const FILE_CODES = new Set([
  'STATE_CORRUPT',
  'STATE_UNKNOWN_FORMAT',
  'STATE_UNSUPPORTED_VERSION',
  'STATE_INVALID',
  'STATE_PASSPHRASE_REQUIRED',
  'STATE_WRONG_PASSPHRASE',
]);

export function checkRefusal(error: unknown): void {
  if (!(error instanceof StateFileError)) throw error;
  if (!FILE_CODES.has(error.code)) fail(`a refused state file carries the unknown code ${error.code}`);
  if (!error.message.includes('--reset-state')) fail(`${error.code} does not say how to get past it: ${error.message}`);
}

/** Valid states: the fuzz seeds with their PIN, plus random extra accounts. */
const validStates: fc.Arbitrary<DeviceState> = fc
  .tuple(
    fc.integer({ min: 0, max: SEEDS.length - 1 }),
    fc.array(
      fc.tuple(
        fc.constantFrom('a', 'bb', 'ü', '😀'),
        seededBytes(10, 64),
        fc.constantFrom('TOTP' as const, 'HOTP' as const),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([index, extra]) => {
    const seed = SEEDS[index] as ModelSeed;
    const state = deviceState({ ...seed, pin: seed.pin ?? { value: PIN_POOL[0] as string, maxRetries: 8, retries: 8 } });
    const accounts = [...state.accounts];
    let id = state.lastId;
    for (const [name, secret, kind, counter] of extra) {
      if (id >= 0xffff) break;
      id += 1;
      accounts.push({
        id,
        name: `${name}-${id}`,
        flags: 0,
        otp: kind === 'TOTP' ? { secret, kind, algorithm: 'SHA1', digits: 6, period: 30 } : { secret, kind, algorithm: 'SHA256', digits: 8, counter },
      });
    }
    return { ...state, accounts, lastId: id };
  });

/** Values that break a field's type or range: what a damaged or hand-edited file holds. */
const JSON_JUNK: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e300,
  65536,
  2 ** 53,
  -Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER,
  2 ** 32,
  '',
  'x',
  'A',
  'AA==',
  '====',
  '!!',
  'x'.repeat(300),
  '\ud800',
  '\u0000',
  '18446744073709551616',
  '-1',
  [],
  {},
  [{}],
  { id: 1 },
];

type JsonEdit =
  | { readonly path: number; readonly kind: 'set'; readonly value: number }
  | { readonly path: number; readonly kind: 'delete' }
  | { readonly path: number; readonly kind: 'copy'; readonly from: number };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ path: fc.nat(), kind: fc.constant('set' as const), value: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ path: fc.nat(), kind: fc.constant('delete' as const) }) },
  { weight: 2, arbitrary: fc.record({ path: fc.nat(), kind: fc.constant('copy' as const), from: fc.nat() }) },
);

/** Every (container, key) slot of a JSON value, depth first, so an edit can address any field. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): [Record<string, unknown> | unknown[], string | number][] {
  const entries = Array.isArray(value)
    ? value.map((item, index) => [index, item] as const)
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : [];
  for (const [key, item] of entries) {
    out.push([value as Record<string, unknown>, key]);
    slots(item, out);
  }
  return out;
}

function applyJsonEdits(json: unknown, edits: readonly JsonEdit[]): unknown {
  for (const edit of edits) {
    const all = slots(json);
    if (all.length === 0) break;
    const [container, key] = all[edit.path % all.length] as [Record<string | number, unknown>, string | number];
    if (edit.kind === 'set') container[key] = structuredClone(JSON_JUNK[edit.value % JSON_JUNK.length]);
    else if (edit.kind === 'delete') {
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key];
    } else {
      const [source, sourceKey] = all[edit.from % all.length] as [Record<string | number, unknown>, string | number];
      container[key] = structuredClone(source[sourceKey]);
    }
  }
  return json;
}

const toJsonText = (state: DeviceState): string => JSON.stringify(stateToJson(state));

export const mutatedJson: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(validStates, fc.array(jsonEdit, { minLength: 1, maxLength: 3 }))
      .map(([state, edits]) => applyJsonEdits(JSON.parse(toJsonText(state)), edits)),
  },
  {
    weight: 3,
    arbitrary: mutatedText(validStates.map(toJsonText), [
      '"',
      ',',
      ':',
      '0',
      '9',
      '-',
      'e',
      '[',
      ']',
      '{',
      '}',
      'null',
      '"HOTP"',
      '"TOTP"',
      '"SHA1"',
      '\\u0000',
      '\\ud800',
      '=',
    ]).map((text) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    }),
  },
  { weight: 1, arbitrary: fc.oneof(anyText, fc.constantFrom<unknown>(null, [], {}, 1, { identity: {} })) },
);

/** What each read may answer on a key without a PIN: a loaded state is served, never refused as broken. */
const SERVED: Readonly<Partial<Record<CommandName, readonly string[]>>> = {
  GetInfo: ['OK'],
  AccountList: ['OK'],
  AccountGet: ['OK'],
  GetOtp: ['OK', 'NO_OTP', 'OTP_COUNTER_EXHAUSTED'],
  GetPassword: ['OK', 'NO_PASSWORD'],
};

/** A loaded state must be one the key can serve: every read answered, in one message, and decodable (§3.1, §5). */
export async function checkServable(state: DeviceState): Promise<void> {
  const key = await VirtualKey.start({ store: new MemoryStore(state), clock: new ManualClock(Date.UTC(2026, 10, 23)) });
  const session = key.openSession('virtual');
  // The PIN of a fuzzed state cannot be known, and an empty battery refuses reads (both legitimately): serve the
  // rest of the state through a key without a PIN and with a charged battery.
  if (state.pin || state.battery === 0) await key.restore({ ...state, pin: undefined, battery: 100 });
  const ask = async (command: CommandName, params: object): Promise<void> => {
    const response = (await session.handle(encodeRequest(command, params as never))) ?? fail(`${command} got no answer`);
    if (response.length > Limits.maxMessageBytes) fail(`${command} answered ${response.length} bytes, more than one message holds (§3.1)`);
    const status = statusName(response[0] as number);
    if (status === undefined || !SERVED[command]?.includes(status))
      fail(`${command} ${JSON.stringify(params)} answered ${status ?? response[0]} on a state that loaded`);
    try {
      decodeResponse(command, response);
    } catch (error) {
      fail(`${command} ${JSON.stringify(params)} on a state that loaded: its answer does not decode (${(error as Error).message})`);
    }
  };
  for (const command of Object.keys(SERVED) as CommandName[]) {
    if (command === 'GetInfo') await ask(command, {});
    else if (command === 'AccountList') for (let offset = 0; offset <= state.accounts.length; offset += 8) await ask(command, { offset, includeHidden: true });
    else for (const account of state.accounts) await ask(command, { id: account.id });
  }
  const used = state.accounts.reduce((sum, account) => sum + recordBytes(account), 0);
  if (used > state.storageTotal) fail(`a state that loaded uses ${used} bytes of ${state.storageTotal} (§5.3)`);
  if (new Set(state.accounts.map((account) => account.name)).size !== state.accounts.length) fail('a state that loaded has two accounts of one name (§5.1)');
  if (state.accounts.some((account) => account.id > state.lastId))
    fail('a state that loaded has an account id above lastId: the next AccountCreate would reuse it (§5.1)');
}

/** stateFromJson refuses a state cleanly or returns one the key can serve. */
export async function checkStateJson(json: unknown): Promise<void> {
  let state: DeviceState;
  try {
    state = stateFromJson(json);
  } catch (error) {
    checkRefusal(error);
    return;
  }
  await checkServable(state);
}

export const stateJsonProperty = fc.asyncProperty(mutatedJson, checkStateJson);

export async function fuzzStateJson(cases: number): Promise<number> {
  await checkAsync(stateJsonProperty, cases);
  return cases;
}

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

export type FileInput =
  { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly encrypted: boolean } | { readonly kind: 'payload'; readonly json: unknown };

/**
 * Files: valid ones (as FileStore wrote them) with byte edits, valid envelopes whose payload was edited and
 * re-checksummed (so the edit reaches stateFromJson, as a hand edit would), and random bytes.
 */
function fileInputs(plain: Uint8Array, encrypted: Uint8Array): fc.Arbitrary<FileInput> {
  return fc.oneof(
    { weight: 5, arbitrary: mutatedBytes(fc.constant(plain), 3).map((bytes): FileInput => ({ kind: 'bytes', bytes, encrypted: false })) },
    { weight: 2, arbitrary: mutatedBytes(fc.constant(encrypted), 3).map((bytes): FileInput => ({ kind: 'bytes', bytes, encrypted: true })) },
    { weight: 3, arbitrary: mutatedJson.map((json): FileInput => ({ kind: 'payload', json })) },
    { weight: 1, arbitrary: seededBytes(0, 300).map((bytes): FileInput => ({ kind: 'bytes', bytes, encrypted: false })) },
  );
}

/** A state file to fuzz: one valid plain and one valid encrypted file, and the stores that read them. */
export interface FileFixture {
  readonly path: string;
  readonly plain: Uint8Array;
  readonly encrypted: Uint8Array;
  readonly plainStore: FileStore;
  readonly encryptedStore: FileStore;
  close(): Promise<void>;
}

export async function fileFixture(): Promise<FileFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'hkey-fuzz-state-'));
  const path = join(directory, 'key.json');
  const state = deviceState({ ...(SEEDS[2] as ModelSeed) });
  await new FileStore(path).save(state);
  const plain = new Uint8Array(await readFile(path));
  // One store per passphrase keeps its derived key, so only edits of the salt pay for scrypt again.
  const encryptedStore = new FileStore(path, { passphrase: 'correct horse battery staple' });
  await encryptedStore.save(state);
  const encrypted = new Uint8Array(await readFile(path));
  return { path, plain, encrypted, plainStore: new FileStore(path), encryptedStore, close: () => rm(directory, { recursive: true, force: true }) };
}

/** FileStore.load refuses a file cleanly or loads a state the key can serve. */
export async function checkStateFile(fixture: FileFixture, input: FileInput): Promise<void> {
  if (input.kind === 'bytes') await writeFile(fixture.path, input.bytes);
  else {
    const envelope = JSON.parse(new TextDecoder().decode(fixture.plain)) as Record<string, unknown>;
    const payload = JSON.stringify(input.json) ?? 'undefined';
    await writeFile(fixture.path, JSON.stringify({ ...envelope, payload, checksum: sha256(payload) }));
  }
  let loaded: DeviceState | undefined;
  try {
    loaded = await (input.kind === 'bytes' && input.encrypted ? fixture.encryptedStore : fixture.plainStore).load();
  } catch (error) {
    checkRefusal(error);
    return;
  }
  if (loaded === undefined) fail('an existing state file loaded as no state');
  await checkServable(loaded);
}

export function stateFileProperty(fixture: FileFixture): fc.IAsyncPropertyWithHooks<[FileInput]> {
  return fc.asyncProperty(fileInputs(fixture.plain, fixture.encrypted), (input) => checkStateFile(fixture, input));
}

export async function fuzzFileStore(cases: number): Promise<number> {
  const fixture = await fileFixture();
  try {
    await checkAsync(stateFileProperty(fixture), cases);
  } finally {
    await fixture.close();
  }
  return cases;
}
