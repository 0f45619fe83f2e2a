/**
 * The FIDO authenticator under sequences of requests (docs/reliability.md): valid CTAP traffic from a host (the test
 * client of firmware-sim/test/fido-client.ts: PINs set, changed and tried, tokens with permissions, registrations
 * and assertions with and without UV, credential management, Reset), request maps in every command's shape written
 * canonically, loosely or mutated, U2F APDUs, power cycles and time passing, with the button approving, denying,
 * timing out or cancelled. A case is one request (CTAP or U2F).
 *
 * Every CTAP response starts with a status of the CtapStatus table other than OTHER; anything after it is canonical
 * CTAP CBOR; every U2F response ends in a defined status word; the signature counter never repeats; no planted PIN
 * is in any response or event. Afterwards a new session's GetInfo still answers OK.
 */
import fc from 'fast-check';
import {
  CtapCommand,
  CtapStatus,
  type CtapMap,
  CredentialManagementKey,
  PinPermission,
  U2fInstruction,
  U2fStatusWord,
  ctapMap,
  ctapStatusName,
  decodeAuthenticatorData,
  decodeCtap,
  encodeCtap,
  encodeU2fRequest,
  sha256,
} from '@hkey/protocol';
import { type KeySession, ManualClock, MemoryStore, type PresenceOutcome, type PresenceSource, VirtualKey, seededRandom } from '@hkey/firmware-sim';
import { FidoClient } from '../../../firmware-sim/test/fido-client.js';
import { checkAsync } from './budget.js';
import { PLACEHOLDER_ID, RP_IDS, clientPinBody, credentialManagementBody, getAssertionBody, looseEncode, makeCredentialBody } from './ctap-values.js';
import { containsBytes, mutatedBytes, seededBytes } from './mutate.js';
import { U2F_APPLICATION } from './ctap-targets.js';
import { fail, hex } from './oracle.js';

const utf8 = new TextEncoder();
const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);

/** PINs the runs set and try: recognisable anywhere, with a wrong and a too-short one. */
const PINS = ['Pz7q-1593', 'Qk4w-2684', 'wrong-0000', '12'];
const PLANTED = PINS.slice(0, 3).flatMap((pin) => [utf8.encode(pin), sha256(utf8.encode(pin)).slice(0, 16)]);

const STATUSES = new Set<number>(Object.values(CtapStatus));
const U2F_WORDS = new Set<number>(Object.values(U2fStatusWord));

type ButtonAnswer = 'approved' | 'denied' | 'timeout' | 'cancelled';

/** The button answers every wait of a step the same way, at once. */
class StepButton implements PresenceSource {
  next: ButtonAnswer = 'approved';

  async request(): Promise<PresenceOutcome> {
    return this.next;
  }
}

type ClientOp =
  | { readonly op: 'setPin' | 'token' | 'tokenWithPermissions'; readonly pin: number; readonly permissions: number; readonly rpId: string | undefined }
  | { readonly op: 'changePin'; readonly pin: number; readonly to: number }
  | { readonly op: 'guess'; readonly tries: number }
  | {
      readonly op: 'makeCredential';
      readonly rpId: string;
      readonly rk: boolean;
      readonly uv: boolean;
      readonly credProtect: number | undefined;
      readonly exclude: boolean;
      readonly user: number;
    }
  | { readonly op: 'getAssertion'; readonly rpId: string; readonly allow: boolean; readonly uv: boolean; readonly up: boolean }
  | { readonly op: 'next' | 'reset' | 'info' | 'selection' | 'retries' | 'manage' };

type Action = { readonly kind: 'ctap' | 'u2f'; readonly bytes: Uint8Array } | { readonly kind: 'client'; readonly op: ClientOp } | { readonly kind: 'power' };

interface Step {
  readonly action: Action;
  readonly button: ButtonAnswer;
  readonly waitMs: number;
}

const rpId = fc.constantFrom(...RP_IDS);
const clientOp: fc.Arbitrary<ClientOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('setPin' as const),
      pin: fc.integer({ min: 0, max: 3 }),
      permissions: fc.constant(0),
      rpId: fc.constant(undefined),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('changePin' as const), pin: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('guess' as const), tries: fc.integer({ min: 1, max: 4 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('token' as const), pin: fc.integer({ min: 0, max: 2 }), permissions: fc.constant(0), rpId: fc.constant(undefined) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('tokenWithPermissions' as const),
      pin: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
      permissions: fc.oneof(
        fc.constant(PinPermission.makeCredential | PinPermission.getAssertion | PinPermission.credentialManagement),
        fc.constantFrom(1, 2, 3, 4, 8, 0),
      ),
      rpId: fc.option(rpId, { nil: undefined }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('makeCredential' as const),
      rpId,
      rk: fc.boolean(),
      uv: fc.boolean(),
      credProtect: fc.option(fc.constantFrom(1, 2, 3), { nil: undefined }),
      exclude: fc.boolean(),
      user: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('getAssertion' as const), rpId, allow: fc.boolean(), uv: fc.boolean(), up: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('next' as const, 'reset' as const, 'info' as const, 'selection' as const, 'retries' as const, 'manage' as const),
    }),
  },
);

/** A CTAP request: a command byte and a body of that command's shape, written canonically, loosely or mutated. */
const ctapRequest: fc.Arbitrary<Uint8Array> = (() => {
  const bodies: [number, fc.Arbitrary<CtapMap>][] = [
    [CtapCommand.MakeCredential, makeCredentialBody],
    [CtapCommand.GetAssertion, getAssertionBody],
    [CtapCommand.ClientPIN, clientPinBody],
    [CtapCommand.CredentialManagement, credentialManagementBody],
  ];
  const shaped = fc.oneof(
    { weight: 8, arbitrary: fc.oneof(...bodies.map(([command, body]) => body.map((map) => Uint8Array.from([command, ...encodeCtap(map)])))) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(CtapCommand.GetInfo, CtapCommand.GetNextAssertion, CtapCommand.Reset, CtapCommand.Selection, 0x03, 0x0c, 0x40)
        .map((command) => Uint8Array.of(command)),
    },
  );
  const loose = fc.tuple(fc.constantFrom(...bodies), fc.integer()).chain(([[command, body], seed]) =>
    body.map((map) => {
      let state = seed >>> 0;
      const next = (): number => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 0x1_0000_0000;
      return Uint8Array.from([command, ...looseEncode(map, next, 0.1).bytes]);
    }),
  );
  // Past maxMsgSize (1200 bytes): REQUEST_TOO_LARGE.
  const large = fc
    .tuple(fc.constantFrom(CtapCommand.MakeCredential, CtapCommand.ClientPIN), seededBytes(1_195, 1_210))
    .map(([command, body]) => Uint8Array.from([command, ...body]));
  return fc.oneof(
    { weight: 10, arbitrary: shaped },
    { weight: 4, arbitrary: loose },
    { weight: 6, arbitrary: mutatedBytes(shaped, 3) },
    { weight: 2, arbitrary: seededBytes(0, 40) },
    { weight: 1, arbitrary: large },
  );
})();

const u2fRequest: fc.Arbitrary<Uint8Array> = (() => {
  const valid = fc.oneof(
    seededBytes(32, 32).map((challenge) =>
      encodeU2fRequest({ cla: 0, ins: U2fInstruction.REGISTER, p1: 0, p2: 0, data: Uint8Array.from([...challenge, ...U2F_APPLICATION]) }),
    ),
    fc.tuple(seededBytes(32, 32), fc.constantFrom(0x03, 0x07, 0x08)).map(([challenge, p1]) =>
      encodeU2fRequest({
        cla: 0,
        ins: U2fInstruction.AUTHENTICATE,
        p1,
        p2: 0,
        data: Uint8Array.from([...challenge, ...U2F_APPLICATION, PLACEHOLDER_ID.length, ...PLACEHOLDER_ID]),
      }),
    ),
  );
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: mutatedBytes(valid, 2) });
})();

const step: fc.Arbitrary<Step> = fc.record({
  action: fc.oneof(
    { weight: 10, arbitrary: clientOp.map((op) => ({ kind: 'client' as const, op })) },
    { weight: 10, arbitrary: ctapRequest.map((bytes) => ({ kind: 'ctap' as const, bytes })) },
    { weight: 2, arbitrary: u2fRequest.map((bytes) => ({ kind: 'u2f' as const, bytes })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'power' as const }) },
  ),
  button: fc.oneof(
    { weight: 6, arbitrary: fc.constant('approved' as const) },
    { weight: 1, arbitrary: fc.constantFrom('denied' as const, 'timeout' as const, 'cancelled' as const) },
  ),
  waitMs: fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 15_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(30_001, 600_001) },
  ),
});

interface Run {
  readonly key: VirtualKey;
  readonly ids: Uint8Array[];
  token: Uint8Array | undefined;
  /** The highest signature counter any response carried. */
  counter: number;
  requests: number;
  readonly leaks: string[];
}

/** Puts a credential id the key made where a request carries PLACEHOLDER_ID, if a mutation left it whole. */
function withRealId(run: Run, bytes: Uint8Array, choice: number): Uint8Array {
  if (run.ids.length === 0) return bytes;
  const at = Buffer.from(bytes).indexOf(Buffer.from(PLACEHOLDER_ID));
  if (at < 0) return bytes;
  const out = bytes.slice();
  out.set(run.ids[choice % run.ids.length] as Uint8Array, at);
  return out;
}

function remember(run: Run, id: Uint8Array): void {
  if (run.ids.some((known) => Buffer.compare(known, id) === 0)) return;
  run.ids.push(id);
  if (run.ids.length > 8) run.ids.shift();
}

function counterSeen(run: Run, count: number, what: string): void {
  if (count <= run.counter) fail(`${what} carried signature counter ${count} after ${run.counter} had been issued`);
  run.counter = count;
}

function checkPlanted(response: Uint8Array, what: string): void {
  for (const planted of PLANTED) if (containsBytes(response, planted)) fail(`${what} carries a planted PIN or its hash`);
}

/** CTAP statuses the runs reached, for the report. */
export const ctapStatusesSeen = new Set<string>();

function checkCtap(run: Run, request: Uint8Array, response: Uint8Array | undefined): void {
  run.requests++;
  const what = `the answer to ${hex(request.subarray(0, 24))}…`;
  if (response === undefined || response.length === 0) fail(`${what} is missing`);
  const status = response[0] as number;
  ctapStatusesSeen.add(ctapStatusName(status) ?? String(status));
  if (!STATUSES.has(status) || status === CtapStatus.OTHER)
    fail(`${what} has status 0x${status.toString(16)} (${ctapStatusName(status) ?? 'not in the table'})`);
  checkPlanted(response, what);
  if (response.length === 1) return;
  if (status !== CtapStatus.OK) fail(`${what} carries data after the error status ${ctapStatusName(status)}`);
  const encoded = response.subarray(1);
  let body;
  try {
    body = decodeCtap(encoded);
  } catch {
    fail(`${what} is not canonical CTAP CBOR: ${hex(encoded)}`);
  }
  if (!(body instanceof Map)) fail(`${what} is not a map`);
  if (Buffer.compare(encodeCtap(body), encoded) !== 0) fail(`${what} does not re-encode identically`);
  const command = request[0];
  if (command === CtapCommand.MakeCredential || command === CtapCommand.GetAssertion || command === CtapCommand.GetNextAssertion) {
    const authData = decodeAuthenticatorData(body.get(2) as Uint8Array);
    counterSeen(run, authData.signCount, what);
    const id = authData.attested?.credentialId ?? ((body.get(1) as CtapMap | undefined)?.get('id') as Uint8Array | undefined);
    if (id !== undefined) remember(run, id);
  }
}

function checkU2f(run: Run, apdu: Uint8Array, response: Uint8Array | undefined): void {
  run.requests++;
  const what = `the U2F answer to ${hex(apdu.subarray(0, 16))}…`;
  if (response === undefined || response.length < 2) fail(`${what} has no status word`);
  const word = ((response[response.length - 2] as number) << 8) | (response[response.length - 1] as number);
  if (!U2F_WORDS.has(word)) fail(`${what} has status word ${word.toString(16)}`);
  checkPlanted(response, what);
  if (word !== U2fStatusWord.NO_ERROR) return;
  if (apdu[1] === U2fInstruction.AUTHENTICATE && response.length > 7) counterSeen(run, new DataView(response.buffer, response.byteOffset).getUint32(1), what);
  if (apdu[1] === U2fInstruction.REGISTER && response[0] === 0x05) remember(run, response.slice(67, 67 + (response[66] as number)));
}

/** A session whose every CTAP and U2F answer is checked as it comes. */
function checkedSession(run: Run, session: KeySession): KeySession {
  return {
    id: session.id,
    transport: session.transport,
    locked: false,
    handle: (request, options) => session.handle(request, options),
    ctap: async (request, options) => {
      const response = await session.ctap(request, options);
      checkCtap(run, request, response);
      return response;
    },
    u2f: async (apdu, options) => {
      const response = await session.u2f(apdu, options);
      checkU2f(run, apdu, response);
      return response;
    },
    close: () => session.close(),
  };
}

async function clientStep(run: Run, client: FidoClient, op: ClientOp, choice: number): Promise<void> {
  const uv = (wanted: boolean): { token: Uint8Array } | undefined => (wanted ? { token: run.token ?? new Uint8Array(32).fill(choice & 0xff) } : undefined);
  switch (op.op) {
    case 'setPin':
      await client.setPin(PINS[op.pin] as string);
      return;
    case 'changePin':
      await client.changePin(PINS[op.pin] as string, PINS[op.to] as string);
      return;
    case 'guess':
      for (let i = 0; i < op.tries; i++) await client.pinToken(PINS[2] as string, { permissions: PinPermission.getAssertion });
      return;
    case 'token':
    case 'tokenWithPermissions': {
      const issued = await client.pinToken(PINS[op.pin] as string, op.op === 'token' ? {} : { permissions: op.permissions, rpId: op.rpId });
      if (issued.token !== undefined) run.token = issued.token;
      return;
    }
    case 'makeCredential':
      await client.makeCredential(
        {
          rpId: op.rpId,
          rk: op.rk,
          userId: utf8.encode(`user-${op.user}`),
          extensions: op.credProtect === undefined ? undefined : new Map([['credProtect', op.credProtect]]),
          excludeList: op.exclude ? run.ids.slice(0, 3) : undefined,
        },
        uv(op.uv),
      );
      return;
    case 'getAssertion':
      await client.getAssertion({ rpId: op.rpId, allowList: op.allow ? run.ids.slice(-3) : undefined, up: op.up }, uv(op.uv));
      return;
    case 'next':
      await client.call(CtapCommand.GetNextAssertion);
      return;
    case 'reset':
      await client.call(CtapCommand.Reset);
      return;
    case 'info':
      await client.getInfo();
      return;
    case 'selection':
      await client.call(CtapCommand.Selection);
      return;
    case 'retries':
      await client.pinRetries();
      return;
    case 'manage': {
      const token = run.token ?? new Uint8Array(32);
      for (const subCommand of [1, 2, 3]) {
        await client.call(
          CtapCommand.CredentialManagement,
          ctapMap([
            [CredentialManagementKey.subCommand, subCommand],
            [CredentialManagementKey.pinUvAuthProtocol, client.protocolVersion],
            [CredentialManagementKey.pinUvAuthParam, client.protocol.authenticate(token, Uint8Array.of(subCommand))],
          ]),
        );
      }
    }
  }
}

const PER_RUN = 16;
/** fast-check favours short arrays: runs of up to PER_RUN steps average about this many requests. */
const AVERAGE_REQUESTS = 8;

export function fidoSequenceProperty(counter: { requests: number }): fc.IAsyncPropertyWithHooks<[number, 1 | 2, number, Step[]]> {
  return fc.asyncProperty(
    fc.integer({ min: 1, max: 1000 }),
    fc.constantFrom<1 | 2>(1, 2),
    fc.constantFrom(260, 1_500),
    fc.array(step, { minLength: 1, maxLength: PER_RUN }),
    async (keySeed, protocol, storageTotal, steps) => {
      const clock = new ManualClock(START_MS);
      const button = new StepButton();
      const key = await VirtualKey.start({ store: new MemoryStore(), clock, random: seededRandom(keySeed), presence: button, storageTotal });
      const run: Run = { key, ids: [], token: undefined, counter: 0, requests: 0, leaks: [] };
      const unsubscribe = key.events.subscribe((event) => {
        const text = JSON.stringify(event);
        for (const pin of PINS.slice(0, 3)) if (text.includes(pin)) run.leaks.push(event.type);
      });
      let client = new FidoClient(checkedSession(run, key.openSession('virtual')), protocol);
      try {
        for (const [index, { action, button: answer, waitMs }] of steps.entries()) {
          clock.advance(waitMs);
          button.next = answer;
          switch (action.kind) {
            case 'client':
              await clientStep(run, client, action.op, index);
              break;
            case 'ctap':
              await client.send(withRealId(run, action.bytes, index));
              break;
            case 'u2f':
              await client.session.u2f(withRealId(run, action.bytes, index));
              await Promise.resolve();
              break;
            case 'power':
              await key.powerCycle();
              client = new FidoClient(checkedSession(run, key.openSession('virtual')), protocol);
              run.token = undefined;
          }
          if (run.leaks.length > 0) fail(`a planted PIN appeared in a ${run.leaks[0]} event`);
        }
        button.next = 'approved';
        const info = await new FidoClient(checkedSession(run, key.openSession('virtual')), protocol).getInfo();
        if (info.status !== CtapStatus.OK) fail(`GetInfo answered 0x${info.status.toString(16)} after the run`);
      } finally {
        unsubscribe();
        counter.requests += run.requests;
      }
    },
  );
}

export async function fuzzFidoAuthenticator(cases: number): Promise<number> {
  const counter = { requests: 0 };
  await checkAsync(fidoSequenceProperty(counter), Math.ceil(cases / AVERAGE_REQUESTS));
  return counter.requests;
}
