/**
 * Every command's parameters into a VirtualKey, checked against the reference model (key-model.ts): schema-driven
 * maps with out-of-range and wrong-type values, valid maps that drive the key through its states (PIN set, blocked,
 * storage full, counters exhausted, ids wrapping), mutated request bytes, a refused button and failing flash writes.
 * After each run the invariants of docs/reliability.md are checked through the protocol. A case is one request.
 */
import fc from 'fast-check';
import {
  type CborValue,
  type CommandName,
  Commands,
  type DecodedRequest,
  type DecodedResponse,
  decodeRequest,
  decodeResponse,
  encodeCbor,
  encodeMessage,
  encodeRequest,
  statusName,
} from '@hkey/protocol';
import { type KeySession, ManualClock, MemoryStore, VirtualKey, seededRandom } from '@hkey/firmware-sim';
import { checkAsync } from './budget.js';
import { type ModelAccount, type ModelSeed, KeyModel, ScriptedButton, canonical, deviceState, recordBytes } from './key-model.js';
import { containsBytes, mutatedBytes, seededBytes, seededText } from './mutate.js';
import { requestMap, textOfBytes } from './schema-values.js';
import { fail } from './oracle.js';

const COMMANDS = Object.keys(Commands) as CommandName[];
const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

/** PINs the runs set and try: with a handful in play a VerifyPin matches often enough to unlock. */
export const PIN_POOL = ['24681357', '13572468', '99999999', '1234567', '0000', '12ab'];

const secret = (seed: number): Uint8Array => Uint8Array.from({ length: 20 }, (_, i) => (seed * 37 + i * 101) & 0xff);

const SEED_ACCOUNTS: readonly ModelAccount[] = [
  { id: 1, name: 'github', login: 'alice', flags: 0x08, otp: { secret: secret(1), kind: 'HOTP', algorithm: 'SHA1', digits: 6, counter: 2n ** 64n - 2n } },
  { id: 2, name: 'mail', flags: 0x04, urls: ['https://mail.example'], otp: { secret: secret(2), kind: 'TOTP', algorithm: 'SHA256', digits: 8, period: 30 } },
  { id: 3, name: 'bank', password: 'pw-seed-bank-3x9q', flags: 0x01, apps: ['bank.app'] },
  {
    id: 5,
    name: 'hidden',
    password: 'pw-seed-hidden-7k2',
    flags: 0x02,
    otp: { secret: secret(5), kind: 'HOTP', algorithm: 'SHA512', digits: 7, counter: 41n },
  },
];

/** Where runs start: a fresh key, a populated one, with a PIN, one attempt from blocked, blocked, ids exhausted. */
export const SEEDS: readonly ModelSeed[] = [
  { storageTotal: 32_768, accounts: [], lastId: 0 },
  { storageTotal: 1_200, accounts: SEED_ACCOUNTS, lastId: 5 },
  { storageTotal: 32_768, accounts: SEED_ACCOUNTS, lastId: 5, pin: { value: PIN_POOL[0] as string, maxRetries: 5, retries: 5 } },
  { storageTotal: 32_768, accounts: SEED_ACCOUNTS, lastId: 5, pin: { value: PIN_POOL[1] as string, maxRetries: 3, retries: 1 } },
  { storageTotal: 32_768, accounts: SEED_ACCOUNTS, lastId: 5, pin: { value: PIN_POOL[0] as string, maxRetries: 8, retries: 0 } },
  { storageTotal: 32_768, accounts: SEED_ACCOUNTS, lastId: 0xfffe },
];

/** Secrets the fuzzer plants, recognisable in any response that should never carry them. */
const plantedPassword = seededText([...'abcdefghijkmnpqrstuvwxyz23456789'], 10, 10).map((tail) => `pw-${tail}`);
const OVERRIDES: Readonly<Record<string, fc.Arbitrary<CborValue>>> = {
  id: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 7 }) }, { weight: 1, arbitrary: fc.constantFrom(65535, 0xfffe) }),
  name: fc.oneof(fc.constantFrom('github', 'mail', 'bank', 'hidden', 'new'), textOfBytes(1, 64)),
  // The longest password (128 bytes) is distinctive too: generated texts are padded with runs of 'x'.
  password: fc.oneof({ weight: 6, arbitrary: plantedPassword }, { weight: 1, arbitrary: fc.constantFrom('', `pw-${'Zq7'.repeat(41)}Zq`) }),
  secret: seededBytes(10, 64),
  pin: fc.constantFrom(...PIN_POOL),
  currentPin: fc.constantFrom(...PIN_POOL),
  newPin: fc.constantFrom(...PIN_POOL),
  counter: fc.oneof(fc.constantFrom<CborValue>(0, 2n ** 64n - 1n, 2n ** 64n - 2n), fc.nat()),
  time: fc.oneof(fc.constantFrom(0, 1, 8_640_000_000_000, 8_639_999_999_999), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
  offset: fc.integer({ min: 0, max: 6 }),
  maxRetries: fc.integer({ min: 3, max: 10 }),
};

const WEIGHTS: Readonly<Record<CommandName, number>> = {
  GetInfo: 2,
  SetTime: 1,
  SetPin: 3,
  ChangePin: 3,
  VerifyPin: 5,
  Lock: 2,
  GetIdentity: 1,
  EnrollIssuer: 1,
  ApplySealed: 1,
  AccountList: 3,
  AccountGet: 4,
  AccountCreate: 8,
  AccountUpdate: 6,
  AccountDelete: 3,
  GetOtp: 6,
  GetPassword: 3,
  Wink: 1,
  Wipe: 1,
};

/** One request's bytes: a schema-driven map (valid or fuzzed), or a mutation of one. */
const requestBytes: fc.Arbitrary<Uint8Array> = (() => {
  const perCommand = COMMANDS.map((command) => {
    const encode = (map: Map<number, CborValue>): Uint8Array => encodeMessage(Commands[command].code, map.size === 0 ? undefined : map);
    const valid = requestMap(command, { invalid: false, values: OVERRIDES }).map(encode);
    const fuzzed = requestMap(command, { invalid: true, values: OVERRIDES }).map(encode);
    return {
      weight: WEIGHTS[command],
      arbitrary: fc.oneof({ weight: 5, arbitrary: valid }, { weight: 4, arbitrary: fuzzed }, { weight: 1, arbitrary: mutatedBytes(valid, 2) }),
    };
  });
  return fc.oneof(...perCommand);
})();

interface Step {
  readonly session: number;
  readonly request: Uint8Array;
  readonly button: ScriptedButton['next'];
  readonly writeFault: boolean;
  /** Milliseconds the clock runs before the request (TOTP steps pass, the clock runs past SetTime's value). */
  readonly waitMs: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  session: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
  request: requestBytes,
  button: fc.oneof(
    { weight: 8, arbitrary: fc.constant('approved' as const) },
    { weight: 1, arbitrary: fc.constantFrom('denied' as const, 'hold-too-short' as const) },
  ),
  writeFault: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  waitMs: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(999, 1000, 30_000, 86_400_000) }),
});

/** The secrets of a run: what the seed holds and what its requests carried (docs/protocol.md §6.4). */
class PlantedSecrets {
  readonly otpSecrets: Uint8Array[] = [];
  readonly passwords: Uint8Array[] = [];
  readonly pins: Uint8Array[] = [];

  constructor(seed: ModelSeed) {
    for (const account of seed.accounts) {
      this.add('secret', account.otp?.secret);
      this.add('password', account.password);
    }
    this.add('pin', seed.pin?.value);
  }

  /** Collects secret values from a request's parameter map, nested OTP credential included. */
  collect(request: DecodedRequest | undefined): void {
    const params = request?.params as Record<string, unknown> | undefined;
    if (!params) return;
    for (const name of ['pin', 'currentPin', 'newPin', 'password']) this.add(name === 'password' ? 'password' : 'pin', params[name]);
    this.add('secret', (params.otp as { secret?: unknown } | undefined)?.secret);
  }

  private add(kind: 'secret' | 'password' | 'pin', value: unknown): void {
    if (kind === 'secret' && value instanceof Uint8Array && value.length >= 10) this.otpSecrets.push(value);
    else if (kind === 'password' && typeof value === 'string' && value.length >= 8) this.passwords.push(new TextEncoder().encode(value));
    // A PIN is looked for as its CBOR text item: bare digits also occur in codes and counters.
    else if (kind === 'pin' && typeof value === 'string' && value.length >= 6) this.pins.push(encodeCbor(value));
  }

  /** Throws if `response` carries a planted secret it may not: GetPassword may carry passwords, GetOtp codes may look like PINs. */
  scan(command: CommandName | undefined, response: Uint8Array): void {
    const ok = response[0] === 0;
    for (const value of this.otpSecrets) if (containsBytes(response, value)) fail(`an OTP secret leaked in a ${command ?? 'malformed request'} response`);
    if (!(ok && command === 'GetPassword'))
      for (const value of this.passwords) if (containsBytes(response, value)) fail(`a password leaked in a ${command ?? 'malformed request'} response`);
    if (!(ok && command === 'GetOtp'))
      for (const value of this.pins) if (containsBytes(response, value)) fail(`a PIN leaked in a ${command ?? 'malformed request'} response`);
  }
}

interface Run {
  readonly key: VirtualKey;
  readonly sessions: KeySession[];
  readonly model: KeyModel;
  readonly button: ScriptedButton;
  readonly secrets: PlantedSecrets;
  /** The highest HOTP counter issued per credential (keyed by its secret's bytes object, new for every credential). */
  readonly issued: Map<Uint8Array, bigint>;
}

const HANG_MS = 5000;

/** A request the key never answers is a hang: the case fails with its seed instead of the whole test timing out. */
async function answerWithin<T>(answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the key did not answer within ${HANG_MS} ms`)), HANG_MS)));
  try {
    return await Promise.race([answer, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every status the key answered during the runs: evidence that the fuzzer reaches the key's states. */
export const statusesSeen = new Set<string>();

/** Sends one request and checks the answer against the decoder and the model; returns the decoded response. */
async function exchange(run: Run, session: number, request: Uint8Array): Promise<DecodedResponse<CommandName> | undefined> {
  let decoded: DecodedRequest | undefined;
  let expectedStatus: string;
  let prediction;
  try {
    decoded = decodeRequest(request);
  } catch (error) {
    expectedStatus = statusName((error as { status: number }).status) ?? fail(`decodeRequest threw ${String(error)}`);
  }
  run.secrets.collect(decoded);
  if (decoded) {
    prediction = run.model.predict(session, decoded, run.button);
    expectedStatus = prediction.status;
  }
  const response = await answerWithin((run.sessions[session] as KeySession).handle(request));
  if (response === undefined) fail('the key gave no response without a power cut');
  const status = statusName(response[0] as number);
  const what = decoded ? `${decoded.command} ${canonical(decoded.params)}` : `malformed request ${Buffer.from(request).toString('hex')}`;
  if (status === undefined) fail(`${what}: status byte 0x${(response[0] as number).toString(16)} is not in the Status table`);
  run.secrets.scan(decoded?.command, response);
  statusesSeen.add(status);
  if (status !== expectedStatus!) fail(`${what}: the key answered ${status}, the model expects ${expectedStatus!}`);
  // The answer's map must decode, whatever the status (error details are the same for every command, §3.5).
  const parsed = decodeResponse(decoded?.command ?? 'GetInfo', response);
  prediction?.verify?.(parsed);
  if (decoded?.command === 'GetOtp' && parsed.ok)
    noteIssued(run, (decoded.params as { id: number }).id, (parsed.result as { counter?: number | bigint }).counter);
  prediction?.commit?.();
  return parsed;
}

/** §5.5: an HOTP counter is never issued twice, so each credential's issued counters strictly increase. */
function noteIssued(run: Run, id: number, counter: number | bigint | undefined): void {
  const credential = run.model.accounts.get(id)?.otp;
  if (counter === undefined || credential === undefined) return;
  const previous = run.issued.get(credential.secret);
  if (previous !== undefined && BigInt(counter) <= previous) fail(`account ${id} issued HOTP counter ${counter} after ${previous}`);
  run.issued.set(credential.secret, BigInt(counter));
}

/** The invariants of docs/reliability.md, through a third session: storage from AccountGet, counters, retries. */
async function checkInvariants(run: Run): Promise<void> {
  const checker = 2;
  const call = async <N extends CommandName>(command: N, params: object): Promise<DecodedResponse<N>> =>
    (await exchange(run, checker, encodeRequest(command, params as never))) as DecodedResponse<N>;
  const { model } = run;
  if (model.pin && model.pin.retries > 0 && !model.unlocked[checker]) await call('VerifyPin', { pin: model.pin.value });
  const info = await call('GetInfo', {});
  if (!info.ok) fail('GetInfo failed');
  const { storageTotal, storageFree, pinRetries, pinMaxRetries } = info.result;
  if (pinRetries < 0 || pinRetries > pinMaxRetries) fail(`pinRetries ${pinRetries} is outside 0..${pinMaxRetries}`);
  if (model.pin?.retries === 0) return; // blocked: only GetInfo answers, and the model checked it
  const ids: number[] = [];
  for (;;) {
    const page = await call('AccountList', { offset: ids.length, includeHidden: true });
    if (!page.ok) fail('AccountList failed');
    ids.push(...page.result.accounts.map((account) => account.id));
    if (page.result.accounts.length === 0 || ids.length >= page.result.total) break;
  }
  let used = 0;
  for (const id of ids) {
    const got = await call('AccountGet', { id });
    if (!got.ok) fail(`AccountGet ${id} failed after AccountList listed it`);
    const account = got.result;
    // Password and secret lengths are write-only on the wire: the model's record of what was acknowledged supplies them.
    const known = model.accounts.get(id) ?? fail(`account ${id} exists on the key but was never acknowledged`);
    if (account.hasPassword !== (known.password !== undefined) || (account.otp === undefined) !== (known.otp === undefined))
      fail(`account ${id} lost or gained a password or OTP`);
    const issued = known.otp && run.issued.get(known.otp.secret);
    const stored = account.otp?.kind === 'HOTP' ? account.otp.counter : undefined;
    if (issued !== undefined && (stored === undefined || BigInt(stored) <= issued))
      fail(`account ${id} stores HOTP counter ${stored} although ${issued} was issued`);
    used += recordBytes({
      name: account.name,
      login: account.login,
      urls: account.urls,
      apps: account.apps,
      flags: account.flags,
      password: known.password,
      otp: known.otp,
    });
  }
  if (storageFree !== storageTotal - used) fail(`GetInfo storageFree ${storageFree} is not storageTotal ${storageTotal} minus ${used} (§5.3 over AccountGet)`);
}

const PER_RUN = 12;
/** fast-check favours short arrays: runs of up to 2 × PER_RUN requests average about this many. */
const AVERAGE_RUN = 6;

/** Runs of requests from a seed state; `counter.requests` counts the requests sent. */
export function keyParametersProperty(counter: { requests: number }): fc.IAsyncPropertyWithHooks<[number, Step[]]> {
  return fc.asyncProperty(
    fc.integer({ min: 0, max: SEEDS.length - 1 }),
    fc.array(step, { minLength: 1, maxLength: PER_RUN * 2 - 1 }),
    async (seedIndex, steps) => {
      const seed = SEEDS[seedIndex] as ModelSeed;
      const button = new ScriptedButton();
      const clock = new ManualClock(START_MS);
      const key = await VirtualKey.start({ store: new MemoryStore(deviceState(seed)), clock, random: seededRandom(seedIndex + 1), presence: button });
      const run: Run = {
        key,
        sessions: [0, 1, 2].map(() => key.openSession('virtual')),
        model: new KeyModel(seed, 3),
        button,
        secrets: new PlantedSecrets(seed),
        issued: new Map(),
      };
      for (const { session, request, button: outcome, writeFault, waitMs } of steps) {
        clock.advance(waitMs);
        button.next = outcome;
        if (writeFault) {
          key.flashFaults.schedule(1, 'write-error');
          run.model.writeFault = true;
        }
        counter.requests++;
        await exchange(run, session, request);
      }
      button.next = 'approved';
      key.flashFaults.clear();
      run.model.writeFault = false;
      await checkInvariants(run);
    },
  );
}

export async function fuzzKeyParameters(cases: number): Promise<number> {
  const counter = { requests: 0 };
  await checkAsync(keyParametersProperty(counter), Math.ceil(cases / AVERAGE_RUN));
  return counter.requests;
}
