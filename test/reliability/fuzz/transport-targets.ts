/**
 * Transport fuzz targets: sequences of HID reports into HidEndpoint and of BLE fragments into BleEndpoint
 * connections, built from valid traffic (INIT, PING, LOCK, WINK, CANCEL, HKP requests that unlock, read, write,
 * wait for the button and wipe) and then mutated: flipped bits, wrong channels and commands, bad lengths, dropped,
 * repeated and reordered packets, MTU changes, unsubscribed hosts, a second session, and time passing (timeouts,
 * KEEPALIVE, locks expiring, button waits timing out).
 *
 * Every report or fragment the key sends must form well-framed messages with a defined command, KEEPALIVE status
 * or ERROR code; every HKP response must carry a status of the Status table and a map that decodes; no response may
 * carry a planted secret; afterwards the key still answers, and its invariants hold. A case is one sequence.
 */
import fc from 'fast-check';
import {
  BLE_MAX_MESSAGE_SIZE,
  BleCommand,
  BleError,
  BleReassembler,
  type CommandName,
  Commands,
  ErrorDetails,
  HID_BROADCAST_CID,
  HID_MAX_MESSAGE_SIZE,
  HidCommand,
  HidError,
  HidResponseReader,
  decodeMessageParams,
  decodeResponse,
  encodeCbor,
  encodeRequest,
  statusName,
} from '@hkey/protocol';
import {
  type BleConnection,
  BleEndpoint,
  type Clock,
  HidEndpoint,
  ManualClock,
  MemoryStore,
  type PresenceOutcome,
  type PresenceRequest,
  type PresenceSource,
  VirtualKey,
  neverPress,
  seededRandom,
} from '@hkey/firmware-sim';
import { checkAsync } from './budget.js';
import { type ModelSeed, deviceState, recordBytes } from './key-model.js';
import { PIN_POOL, SEEDS } from './key-targets.js';
import { containsBytes, mutateBytes, mutatedBytes, seededBytes } from './mutate.js';
import { fail } from './oracle.js';

const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
const PRESENCE_TIMEOUT_MS = 3000;

/** Lets the key's asynchronous command handling run to its next wait (a timer or the button). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The user: approves, denies or never answers, in a scripted order that repeats. */
class ScriptedUser implements PresenceSource {
  private index = 0;

  constructor(private readonly script: readonly ('approved' | 'denied' | 'wait')[]) {}

  request(request: PresenceRequest, clock: Clock): Promise<PresenceOutcome> {
    const choice = this.script[this.index++ % this.script.length] ?? 'approved';
    return choice === 'wait' ? neverPress.request(request, clock) : Promise.resolve(choice);
  }
}

const TEMPLATE_SECRET = Uint8Array.from({ length: 24 }, (_, i) => 0xa5 ^ (i * 29));
const TEMPLATE_PASSWORD = 'pw-template-q8z4m2';

/** HKP requests worth sending: they unlock, read, write, wait for the button, fail and wipe. */
const TEMPLATES: readonly Uint8Array[] = [
  encodeRequest('GetInfo', {}),
  encodeRequest('VerifyPin', { pin: PIN_POOL[0] as string }),
  encodeRequest('VerifyPin', { pin: PIN_POOL[1] as string }),
  encodeRequest('VerifyPin', { pin: '11111111' }),
  encodeRequest('SetPin', { pin: PIN_POOL[2] as string, maxRetries: 3 }),
  encodeRequest('ChangePin', { currentPin: PIN_POOL[0] as string, newPin: PIN_POOL[2] as string }),
  encodeRequest('Lock', {}),
  encodeRequest('AccountList', { includeHidden: true }),
  encodeRequest('AccountGet', { id: 1 }),
  encodeRequest('AccountCreate', { name: 'fuzz', password: TEMPLATE_PASSWORD, otp: { secret: TEMPLATE_SECRET, kind: 'HOTP', counter: 7 } }),
  encodeRequest('AccountUpdate', { id: 5, login: 'bob', clear: 0x02 }),
  encodeRequest('AccountDelete', { id: 2 }),
  encodeRequest('GetOtp', { id: 1 }),
  encodeRequest('GetOtp', { id: 2 }),
  encodeRequest('GetOtp', { id: 5 }),
  encodeRequest('GetPassword', { id: 3 }),
  encodeRequest('SetTime', { time: 1_900_000_000 }),
  encodeRequest('Wink', {}),
  encodeRequest('Wipe', {}),
];

const templates = fc.constantFrom(...TEMPLATES);
export const hkpPayload = fc.oneof(
  { weight: 6, arbitrary: templates },
  { weight: 3, arbitrary: mutatedBytes(templates, 3) },
  { weight: 1, arbitrary: seededBytes(0, 80) },
);

/** The secrets a run may never see in an HKP response (docs/protocol.md §6.4). */
export function plantedSecrets(seed: ModelSeed): { otp: Uint8Array[]; passwords: Uint8Array[]; pins: Uint8Array[] } {
  const utf8 = new TextEncoder();
  return {
    otp: [TEMPLATE_SECRET, ...seed.accounts.flatMap((account) => (account.otp ? [account.otp.secret] : []))],
    passwords: [TEMPLATE_PASSWORD, ...seed.accounts.flatMap((account) => (account.password ? [account.password] : []))].map((text) => utf8.encode(text)),
    pins: PIN_POOL.filter((pin) => pin.length >= 6).map((pin) => encodeCbor(pin)),
  };
}

const RESPONSE_SCHEMAS = Object.keys(Commands) as CommandName[];

/**
 * One HKP response from the key: a status of the Status table, a map that decodes (as some command's result for
 * OK, as the status's details otherwise), no planted secret, and no HOTP counter and code issued twice.
 */
export function checkHkpResponse(payload: Uint8Array, secrets: ReturnType<typeof plantedSecrets>, issued: Set<string>): void {
  if (payload.length === 0) fail('an empty HKP response');
  const status = statusName(payload[0] as number);
  if (status === undefined) fail(`HKP status 0x${(payload[0] as number).toString(16)} is not in the Status table`);
  const map = decodeMessageParams(payload, 1);
  if (status === 'OK') {
    if (!RESPONSE_SCHEMAS.some((command) => canDecode(command, payload)))
      fail(`an OK response matches no command's result: ${Buffer.from(payload).toString('hex')}`);
  } else {
    if (map.size > 0 && !(status in ErrorDetails)) fail(`${status} carries a map although it has no details`);
    decodeResponse('GetInfo', payload);
  }
  const passwordShaped = status === 'OK' && map.size === 1 && typeof map.get(1) === 'string';
  const otpShaped = status === 'OK' && typeof map.get(1) === 'string' && (map.has(2) || map.has(3)) && !map.has(4);
  for (const secret of secrets.otp) if (containsBytes(payload, secret)) fail('an OTP secret leaked in an HKP response');
  if (!passwordShaped) for (const password of secrets.passwords) if (containsBytes(payload, password)) fail('a password leaked in an HKP response');
  if (!otpShaped) for (const pin of secrets.pins) if (containsBytes(payload, pin)) fail('a PIN leaked in an HKP response');
  if (otpShaped && map.has(3)) {
    // §5.5: the same counter (and code) never comes out twice.
    const issue = `${String(map.get(3))}:${String(map.get(1))}`;
    if (issued.has(issue)) fail(`HOTP counter and code ${issue} were issued twice`);
    issued.add(issue);
  }
}

function canDecode(command: CommandName, payload: Uint8Array): boolean {
  try {
    decodeResponse(command, payload);
    return true;
  } catch {
    return false;
  }
}

export interface Rig {
  readonly key: VirtualKey;
  readonly clock: ManualClock;
  readonly seed: ModelSeed;
}

export async function startKey(seedIndex: number, script: readonly ('approved' | 'denied' | 'wait')[]): Promise<Rig> {
  const seed = SEEDS[seedIndex] as ModelSeed;
  const clock = new ManualClock(START_MS);
  const key = await VirtualKey.start({
    store: new MemoryStore(deviceState(seed)),
    clock,
    random: seededRandom(seedIndex + 11),
    presence: new ScriptedUser(script),
    presenceTimeoutMs: PRESENCE_TIMEOUT_MS,
  });
  return { key, clock, seed };
}

/**
 * The invariants after a sequence (docs/reliability.md): storage accounting, PIN retries that never rose without a
 * correct PIN, HOTP counters that never went back. Read through a fresh session and the key's state.
 */
export async function checkKeyInvariants(rig: Rig): Promise<void> {
  const { key, seed } = rig;
  const response = await key.openSession('virtual').handle(encodeRequest('GetInfo', {}));
  const info = decodeResponse('GetInfo', response ?? fail('GetInfo got no answer'));
  if (!info.ok) fail(`GetInfo answered ${info.status}`);
  const state = key.state;
  const used = state.accounts.reduce((sum, account) => sum + recordBytes(account), 0);
  if (info.result.storageFree !== info.result.storageTotal - used)
    fail(`storageFree ${info.result.storageFree} is not ${info.result.storageTotal} - ${used} (§5.3)`);
  const { pinRetries, pinMaxRetries } = info.result;
  if (pinRetries < 0 || pinRetries > pinMaxRetries) fail(`pinRetries ${pinRetries} outside 0..${pinMaxRetries}`);
  // Replays the key's own log of answers: every PIN_INVALID costs one attempt, only a correct PIN refills (§6.1).
  let retries = seed.pin?.retries;
  for (const event of key.events.since(0)) {
    if (event.type !== 'response' || retries === undefined) continue;
    if (event.status === 'PIN_INVALID') retries -= 1;
    else if (
      (event.status === 'OK' && (event.command === 'VerifyPin' || event.command === 'ChangePin')) ||
      (event.command === 'ChangePin' && event.status === 'PIN_POLICY_VIOLATION')
    )
      retries = seed.pin?.maxRetries;
    else if (event.status === 'OK' && (event.command === 'SetPin' || event.command === 'Wipe')) retries = undefined;
  }
  if (retries !== undefined && state.pin?.retries !== retries) fail(`PIN retries are ${state.pin?.retries}; the answers given add up to ${retries}`);
  for (const before of seed.accounts) {
    const after = state.accounts.find((account) => account.otp && before.otp && Buffer.compare(account.otp.secret, before.otp.secret) === 0);
    if (before.otp?.counter !== undefined && after?.otp?.counter !== undefined && after.otp.counter < before.otp.counter)
      fail(`the HOTP counter of account ${after.id} went back`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HID

type HidAction =
  | { readonly kind: 'init'; readonly nonce: number; readonly cid: number }
  | {
      readonly kind: 'message';
      readonly cid: number;
      readonly cmd: number;
      readonly payload: Uint8Array;
      readonly edits: readonly (readonly [number, string, number])[];
    }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'settle' };

/** Channel references: small numbers pick channels the key allocated in this run; the rest are special. */
const cidRef = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, -2, -3) });

const hidPayload = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constant(HidCommand.HKP_MSG), hkpPayload) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(HidCommand.PING), seededBytes(0, 140)) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant(HidCommand.LOCK),
      fc.constantFrom(Uint8Array.of(0), Uint8Array.of(1), Uint8Array.of(10), Uint8Array.of(11), new Uint8Array(2)),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant(HidCommand.CANCEL), fc.constant(new Uint8Array(0))) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom(HidCommand.INIT, HidCommand.WINK, HidCommand.MSG, HidCommand.CBOR, HidCommand.KEEPALIVE, HidCommand.ERROR, 0x51, 0x7f),
      seededBytes(0, 10),
    ),
  },
);

const hidAction: fc.Arbitrary<HidAction> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('init' as const), nonce: fc.integer(), cid: cidRef }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      cid: cidRef,
      cmd: hidPayload.map(([cmd]) => cmd),
      payload: hidPayload.map(([, payload]) => payload),
      edits: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        {
          weight: 2,
          arbitrary: fc.array(fc.tuple(fc.nat(), fc.constantFrom('flip', 'drop', 'repeat', 'swap', 'resize', 'bcnt'), fc.nat()), {
            minLength: 1,
            maxLength: 3,
          }),
        },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.constantFrom(499, 501, 1000, 3500, 11_000)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);

/** CTAPHID packets of a message (§1.3) with any CID and command, so wrong ones can be sent too. */
function hidPackets(cid: number, cmd: number, payload: Uint8Array, declared = payload.length): Uint8Array[] {
  const packets: Uint8Array[] = [];
  const first = new Uint8Array(64);
  new DataView(first.buffer).setUint32(0, cid >>> 0);
  first[4] = 0x80 | cmd;
  first[5] = declared >>> 8;
  first[6] = declared & 0xff;
  first.set(payload.subarray(0, 57), 7);
  packets.push(first);
  for (let offset = 57, seq = 0; offset < payload.length; offset += 59, seq++) {
    const next = new Uint8Array(64);
    new DataView(next.buffer).setUint32(0, cid >>> 0);
    next[4] = seq & 0xff;
    next.set(payload.subarray(offset, offset + 59), 5);
    packets.push(next);
  }
  return packets;
}

function editPackets(packets: Uint8Array[], edits: readonly (readonly [number, string, number])[]): Uint8Array[] {
  for (const [index, edit, value] of edits) {
    if (packets.length === 0) break;
    const at = index % packets.length;
    const packet = packets[at] as Uint8Array;
    if (edit === 'flip') packets[at] = mutateBytes(packet, [{ kind: 'flip', at: (value % 64) / 64, bit: value % 8 }]);
    else if (edit === 'drop') packets.splice(at, 1);
    else if (edit === 'repeat') packets.splice(at, 0, packet);
    else if (edit === 'swap' && packets.length > 1) packets.splice(at, 2, ...packets.slice(at, at + 2).reverse());
    else if (edit === 'resize')
      packets[at] = packet.slice(0, value % 70).length === 64 ? packet.slice(0, 63) : Uint8Array.from({ length: value % 70 }, (_, i) => packet[i] ?? 0);
    else if (edit === 'bcnt') packets[at] = Uint8Array.from(packet, (byte, i) => (i === 5 ? (value >>> 8) & 0x1f : i === 6 ? value & 0xff : byte));
  }
  return packets;
}

const hidRun = fc.record({
  seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
  user: fc.array(fc.constantFrom('approved' as const, 'denied' as const, 'wait' as const), { minLength: 1, maxLength: 4 }),
  /** Applications that open a channel first, as hosts do (§1.13); later INITs may open more or resynchronise. */
  opened: fc.integer({ min: 0, max: 3 }),
  actions: fc.array(hidAction, { minLength: 1, maxLength: 24 }),
});

export async function fuzzHidEndpoint(cases: number): Promise<number> {
  await checkAsync(
    fc.asyncProperty(hidRun, async ({ seed, user, opened, actions }) => {
      const rig = await startKey(seed, user);
      const endpoint = new HidEndpoint<string>(rig.key, { maxChannels: 4 });
      const out: Uint8Array[] = [];
      endpoint.attach((report) => out.push(report));
      const channels: number[] = [];
      const resolve = (ref: number): number =>
        ref >= 0 ? (channels[ref % Math.max(1, channels.length)] ?? 0x01020304) : ([0, HID_BROADCAST_CID, 0xdeadbeef][-ref - 1] ?? 0);
      let read = 0;
      const readers = new Map<number, HidResponseReader>();
      const secrets = plantedSecrets(rig.seed);
      const issued = new Set<string>();
      /** Checks what the key sent since the last call; learns the channels INIT allocated. */
      const drain = (): void => {
        for (; read < out.length; read++) {
          const report = out[read] as Uint8Array;
          if (report.length !== 64) fail(`the key sent a ${report.length}-byte report`);
          const cid = new DataView(report.buffer, report.byteOffset).getUint32(0);
          const reader = readers.get(cid) ?? new HidResponseReader(cid);
          readers.set(cid, reader);
          const event = reader.feed(report);
          if (event === undefined) continue;
          if (event.type === 'framing-error') fail(`the key's reports on ${cid.toString(16)} break the framing (${event.code})`);
          if (event.type === 'keepalive' && event.status !== 1 && event.status !== 2) fail(`KEEPALIVE status ${event.status}`);
          if (event.type === 'error' && !Object.values(HidError).includes(event.code as never)) fail(`ERROR code ${event.code} is not defined (§1.10)`);
          if (event.type !== 'message') continue;
          if (
            ![HidCommand.PING, HidCommand.LOCK, HidCommand.INIT, HidCommand.WINK, HidCommand.HKP_MSG, HidCommand.CBOR, HidCommand.MSG].includes(
              event.cmd as never,
            )
          )
            fail(`the key answered with command 0x${event.cmd.toString(16)}`);
          if (event.cmd === HidCommand.INIT) {
            if (event.payload.length !== 17) fail('an INIT response is not 17 bytes');
            if (cid === HID_BROADCAST_CID) channels.push(new DataView(event.payload.buffer, event.payload.byteOffset).getUint32(8));
          }
          if (event.cmd === HidCommand.HKP_MSG) checkHkpResponse(event.payload, secrets, issued);
        }
      };
      const prelude: HidAction[] = Array.from({ length: opened }, (_, i) => ({ kind: 'init', nonce: i, cid: 0 }));
      for (const action of [...prelude, ...actions]) {
        if (action.kind === 'settle') await settle();
        else if (action.kind === 'advance') rig.clock.advance(action.ms);
        else if (action.kind === 'init') {
          const nonce = new Uint8Array(8);
          new DataView(nonce.buffer).setUint32(0, action.nonce);
          for (const packet of hidPackets(action.cid === 0 ? HID_BROADCAST_CID : resolve(action.cid), HidCommand.INIT, nonce)) endpoint.receive(packet, 'host');
        } else {
          const packets = editPackets(hidPackets(resolve(action.cid), action.cmd, action.payload.subarray(0, HID_MAX_MESSAGE_SIZE)), action.edits);
          for (const packet of packets) endpoint.receive(packet, 'host');
        }
        drain();
      }
      // Let every wait end: partial requests time out, button waits time out, KEEPALIVEs stop (§1.12, §6.3).
      for (let second = 0; second < 12; second++) {
        rig.clock.advance(1000);
        await settle();
        drain();
      }
      // The key still answers a new application: INIT on the broadcast channel, then GetInfo (§1.13).
      const nonce = Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2);
      const before = channels.length;
      for (const packet of hidPackets(HID_BROADCAST_CID, HidCommand.INIT, nonce)) endpoint.receive(packet, 'host');
      drain();
      const cid = channels[before] ?? fail('the key did not answer INIT after the sequence');
      const answered = out.length;
      for (const packet of hidPackets(cid, HidCommand.HKP_MSG, encodeRequest('GetInfo', {}))) endpoint.receive(packet, 'host');
      await settle();
      drain();
      if (!out.slice(answered).some((report) => report[4] === (0x80 | HidCommand.HKP_MSG))) fail('the key did not answer GetInfo after the sequence');
      await checkKeyInvariants(rig);
      endpoint.detach();
    }),
    cases,
  );
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// BLE

type BleAction =
  | {
      readonly kind: 'message';
      readonly connection: number;
      readonly cmd: number;
      readonly payload: Uint8Array;
      readonly edits: readonly (readonly [number, string, number])[];
    }
  | { readonly kind: 'mtu'; readonly connection: number; readonly mtu: number }
  | { readonly kind: 'subscribe'; readonly connection: number; readonly enable: boolean }
  | { readonly kind: 'reconnect'; readonly connection: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'settle' };

const blePayload = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constant(BleCommand.MSG), hkpPayload) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(BleCommand.PING), seededBytes(0, 100)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(BleCommand.CANCEL), fc.constant(new Uint8Array(0))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(BleCommand.KEEPALIVE, BleCommand.ERROR, 0x80, 0x84, 0xff), seededBytes(0, 6)) },
);

const connectionIndex = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });

const bleAction: fc.Arbitrary<BleAction> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      connection: connectionIndex,
      cmd: blePayload.map(([cmd]) => cmd),
      payload: blePayload.map(([, payload]) => payload),
      edits: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        {
          weight: 2,
          arbitrary: fc.array(fc.tuple(fc.nat(), fc.constantFrom('flip', 'drop', 'repeat', 'swap', 'cut', 'length'), fc.nat()), { minLength: 1, maxLength: 3 }),
        },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('mtu' as const), connection: connectionIndex, mtu: fc.constantFrom(23, 24, 64, 185, 247, 517) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), connection: connectionIndex, enable: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), connection: connectionIndex }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.constantFrom(1999, 2001, 3500)) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);

/** BLE fragments of a message (§2.4) at `size`, for any command byte. */
export function bleFragments(cmd: number, payload: Uint8Array, size: number): Uint8Array[] {
  const fragments = [Uint8Array.of(cmd, payload.length >>> 8, payload.length & 0xff, ...payload.subarray(0, size - 3))];
  for (let offset = size - 3, seq = 0; offset < payload.length; offset += size - 1, seq++)
    fragments.push(Uint8Array.of(seq & 0x7f, ...payload.subarray(offset, offset + size - 1)));
  return fragments;
}

function editFragments(fragments: Uint8Array[], edits: readonly (readonly [number, string, number])[]): Uint8Array[] {
  for (const [index, edit, value] of edits) {
    if (fragments.length === 0) break;
    const at = index % fragments.length;
    const fragment = fragments[at] as Uint8Array;
    if (edit === 'flip') fragments[at] = mutateBytes(fragment, [{ kind: 'flip', at: (value % 64) / 64, bit: value % 8 }]);
    else if (edit === 'drop') fragments.splice(at, 1);
    else if (edit === 'repeat') fragments.splice(at, 0, fragment);
    else if (edit === 'swap' && fragments.length > 1) fragments.splice(at, 2, ...fragments.slice(at, at + 2).reverse());
    else if (edit === 'cut') fragments[at] = fragment.slice(0, value % (fragment.length + 1));
    else if (edit === 'length' && fragment.length >= 3 && fragment[0]! & 0x80)
      fragments[at] = Uint8Array.from(fragment, (byte, i) => (i === 1 ? (value >>> 8) & 0x3f : i === 2 ? value & 0xff : byte));
  }
  return fragments;
}

const bleRun = fc.record({
  seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
  user: fc.array(fc.constantFrom('approved' as const, 'denied' as const, 'wait' as const), { minLength: 1, maxLength: 4 }),
  actions: fc.array(bleAction, { minLength: 1, maxLength: 24 }),
});

interface HostSide {
  connection: BleConnection;
  subscribed: boolean;
  reassembler: BleReassembler;
  messages: { cmd: number; payload: Uint8Array }[];
}

export async function fuzzBleEndpoint(cases: number): Promise<number> {
  await checkAsync(
    fc.asyncProperty(bleRun, async ({ seed, user, actions }) => {
      const rig = await startKey(seed, user);
      const endpoint = new BleEndpoint(rig.key);
      const secrets = plantedSecrets(rig.seed);
      const issued = new Set<string>();
      const connect = (): HostSide => {
        const host: HostSide = { connection: undefined as unknown as BleConnection, subscribed: true, reassembler: new BleReassembler(), messages: [] };
        host.connection = endpoint.connect({
          notify(value) {
            if (!host.subscribed) fail('the key notified a host that had not subscribed');
            if (value.length > host.connection.fragmentSize)
              fail(`a ${value.length}-byte notification exceeds the fragment size ${host.connection.fragmentSize}`);
            const result = host.reassembler.feed(value, rig.clock.now());
            if (result?.type === 'error') fail(`the key's notifications break the framing (${result.code})`);
            if (result?.type === 'message') host.messages.push(result);
          },
          mtuChanged: () => undefined,
          disconnected: () => undefined,
        });
        host.connection.subscribe(true);
        return host;
      };
      const hosts = [connect(), connect()];
      const check = (): void => {
        for (const host of hosts) {
          for (const { cmd, payload } of host.messages.splice(0)) {
            if (cmd === BleCommand.KEEPALIVE) {
              if (payload.length !== 1 || (payload[0] !== 1 && payload[0] !== 2)) fail('a malformed KEEPALIVE');
            } else if (cmd === BleCommand.ERROR) {
              if (payload.length !== 1 || !Object.values(BleError).includes(payload[0] as never))
                fail(`ERROR ${Buffer.from(payload).toString('hex')} is not a defined code (§2.8)`);
            } else if (cmd === BleCommand.MSG) checkHkpResponse(payload, secrets, issued);
            else if (cmd !== BleCommand.PING) fail(`the key sent command 0x${cmd.toString(16)}`);
          }
        }
      };
      for (const action of actions) {
        if (action.kind === 'settle') await settle();
        else if (action.kind === 'advance') rig.clock.advance(action.ms);
        else {
          const host = hosts[action.connection] as HostSide;
          if (action.kind === 'mtu') host.connection.exchangeMtu(action.mtu);
          else if (action.kind === 'subscribe') {
            host.connection.subscribe(action.enable);
            host.subscribed = action.enable;
            // Fragments dropped while unsubscribed leave a partial message behind: the host starts afresh.
            if (action.enable) host.reassembler = new BleReassembler();
          } else if (action.kind === 'reconnect') {
            host.connection.disconnect();
            hosts[action.connection] = connect();
          } else {
            const size = host.connection.fragmentSize;
            const fragments = editFragments(bleFragments(action.cmd, action.payload.subarray(0, BLE_MAX_MESSAGE_SIZE), size), action.edits);
            for (const fragment of fragments) host.connection.write(fragment);
          }
        }
        check();
      }
      for (let second = 0; second < 12; second++) {
        rig.clock.advance(1000);
        await settle();
        check();
      }
      // A new connection still gets GetInfo answered (§2.5).
      const fresh = connect();
      for (const fragment of bleFragments(BleCommand.MSG, encodeRequest('GetInfo', {}), fresh.connection.fragmentSize)) fresh.connection.write(fragment);
      await settle();
      if (!fresh.messages.some((message) => message.cmd === BleCommand.MSG && message.payload[0] === 0))
        fail('the key did not answer GetInfo on a new connection');
      hosts.push(fresh);
      check();
      await checkKeyInvariants(rig);
      for (const host of hosts) host.connection.disconnect();
    }),
    cases,
  );
  return cases;
}
