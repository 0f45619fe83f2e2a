/**
 * The bookkeeping of the crash tests (docs/reliability.md): writes sent to a key, the answers that came back, and
 * at most one request in flight when the power went. From the state before a segment and these, `settle` works out
 * the only states storage may hold afterwards (§5.5), and checks the state that loaded is one of them:
 * - every acknowledged write is present, and nothing else changed;
 * - the request in flight either happened completely or not at all;
 * - no HOTP counter is issued twice, and each issued counter is the stored one, which then advanced;
 * - no PIN attempt is refunded: each PIN_INVALID cost one attempt, and only a correct PIN refills them.
 */
import { type CommandName, type DecodedResponse, decodeResponse, encodeRequest } from '@hkey/protocol';
import type { DeviceState } from '@hkey/firmware-sim';

export type Op =
  | { readonly kind: 'create'; readonly name: string; readonly secret: Uint8Array }
  | { readonly kind: 'delete'; readonly id: number }
  | { readonly kind: 'otp'; readonly id: number }
  | { readonly kind: 'verify'; readonly pin: string }
  | { readonly kind: 'setpin'; readonly pin: string };

const COMMAND: Readonly<Record<Op['kind'], CommandName>> = {
  create: 'AccountCreate',
  delete: 'AccountDelete',
  otp: 'GetOtp',
  verify: 'VerifyPin',
  setpin: 'SetPin',
};
const MAX_RETRIES = 10;

export function encodeOp(op: Op): Uint8Array {
  switch (op.kind) {
    case 'create':
      return encodeRequest('AccountCreate', { name: op.name, login: `${op.name}@example.com`, otp: { secret: op.secret, kind: 'HOTP' } });
    case 'delete':
      return encodeRequest('AccountDelete', { id: op.id });
    case 'otp':
      return encodeRequest('GetOtp', { id: op.id });
    case 'verify':
      return encodeRequest('VerifyPin', { pin: op.pin });
    case 'setpin':
      return encodeRequest('SetPin', { pin: op.pin, maxRetries: MAX_RETRIES });
  }
}

/** The part of a state the crash tests reason about, in a form that compares as text. */
interface Expected {
  accounts: Map<number, { name: string; login?: string; secret: string; counter: bigint }>;
  lastId: number;
  pin: { retries: number; maxRetries: number } | undefined;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function summarise(state: DeviceState | undefined): Expected {
  return {
    accounts: new Map(
      (state?.accounts ?? []).map((account) => [
        account.id,
        { name: account.name, login: account.login, secret: hex(account.otp?.secret ?? new Uint8Array()), counter: account.otp?.counter ?? -1n },
      ]),
    ),
    lastId: state?.lastId ?? 0,
    pin: state?.pin && { retries: state.pin.retries, maxRetries: state.pin.maxRetries },
  };
}

function copy(expected: Expected): Expected {
  return {
    accounts: new Map([...expected.accounts].map(([id, account]) => [id, { ...account }])),
    lastId: expected.lastId,
    pin: expected.pin && { ...expected.pin },
  };
}

function show(expected: Expected): string {
  return JSON.stringify({ accounts: [...expected.accounts].sort(([a], [b]) => a - b), lastId: expected.lastId, pin: expected.pin }, (_, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

function fail(message: string): never {
  throw new Error(message);
}

export class Ledger {
  /** HOTP counters issued during the whole test, per credential (its secret): a repeat is a failure. */
  private readonly issued = new Set<string>();
  private baseline: Expected = summarise(undefined);
  /** How many settle() calls checked a state, and how many of those had a request in flight. */
  checks = 0;
  interrupted = 0;

  constructor(readonly pin: string) {}

  /** The state a segment starts from (read from storage). */
  begin(state: DeviceState | undefined): void {
    this.baseline = summarise(state);
  }

  /**
   * Checks `loaded` (read from storage after the segment) against `ops` and their `answers` (undefined from the
   * first unanswered op on: that one was in flight, later ones were never handled), then makes it the new baseline.
   * Each segment is one new session, locked while a PIN is set (§6.2).
   */
  settle(ops: readonly Op[], answers: readonly (Uint8Array | undefined)[], loaded: DeviceState | undefined): void {
    // Possible states: one, except where an answer leaves two open (a failed PIN refill, see apply()).
    let states = [copy(this.baseline)];
    const session = { unlocked: false };
    let inFlight: Op | undefined;
    for (const [index, op] of ops.entries()) {
      const answer = answers[index];
      if (answer === undefined) {
        inFlight = op;
        break;
      }
      const decoded = decodeResponse(COMMAND[op.kind], answer);
      const unlocked = session.unlocked;
      const problems: string[] = [];
      states = states.flatMap((state) => {
        session.unlocked = unlocked;
        try {
          return this.apply(state, session, op, decoded);
        } catch (error) {
          problems.push((error as Error).message);
          return [];
        }
      });
      if (states.length === 0) fail(`answer ${index} (${op.kind}): ${problems.join('; ')}`);
    }
    const candidates =
      inFlight === undefined ? states : states.flatMap((state) => [state, ...(this.refused(state, session, inFlight) ? [] : this.outcomes(state, inFlight))]);
    const actual = summarise(loaded);
    if (!candidates.some((candidate) => show(candidate) === show(actual))) {
      const during = inFlight ? ` and with ${inFlight.kind} in flight` : '';
      fail(`storage holds ${show(actual)}; after the acknowledged writes${during} it may only hold ${candidates.map(show).join(' or ')}`);
    }
    this.checks++;
    if (inFlight) this.interrupted++;
    this.baseline = actual;
  }

  /** The status the key must refuse `op` with before touching storage, if any (§3.6 steps 7 and 8). */
  private refused(state: Expected, session: { unlocked: boolean }, op: Op): string | undefined {
    if (state.pin?.retries === 0) return 'PIN_BLOCKED';
    if (op.kind === 'verify' && !state.pin) return 'PIN_NOT_SET';
    if (op.kind === 'setpin' && state.pin) return 'PIN_ALREADY_SET';
    if ((op.kind === 'create' || op.kind === 'delete' || op.kind === 'otp') && state.pin && !session.unlocked) return 'PIN_REQUIRED';
    if ((op.kind === 'delete' || op.kind === 'otp') && !state.accounts.has(op.id)) return 'ACCOUNT_NOT_FOUND';
    return undefined;
  }

  /** The states one acknowledged answer leaves; throws when the answer is impossible from `state`. */
  private apply(state: Expected, session: { unlocked: boolean }, op: Op, answer: DecodedResponse<CommandName>): Expected[] {
    const next = copy(state);
    const refusal = this.refused(state, session, op);
    if (refusal !== undefined || !answer.ok) {
      if (refusal !== undefined && answer.status !== refusal) fail(`${op.kind} answered ${answer.status}; it had to be ${refusal}`);
      // A refused or failed write changes nothing (§5.5), except a wrong PIN, whose attempt is spent (§6.1).
      if (op.kind === 'verify' && answer.status === 'PIN_INVALID') {
        const pin = next.pin ?? fail('PIN_INVALID without a PIN');
        if ((answer.details as { retries: number }).retries !== pin.retries - 1)
          fail(`PIN_INVALID reported ${JSON.stringify(answer.details)} with ${pin.retries} attempts stored`);
        pin.retries -= 1;
      } else if (refusal === undefined && answer.status !== 'STORAGE_FAILURE') fail(`${op.kind} answered ${answer.status}`);
      // A correct PIN writes twice (§6.1): the charge, then the refill. If the refill fails, the charge stays.
      if (op.kind === 'verify' && answer.status === 'STORAGE_FAILURE' && op.pin === this.pin && next.pin) {
        const charged = copy(next);
        if (charged.pin) charged.pin.retries -= 1;
        return [next, charged];
      }
      return [next];
    }
    const result = answer.result as Record<string, unknown>;
    switch (op.kind) {
      case 'create': {
        const id = result.id as number;
        if (id !== next.lastId + 1) fail(`AccountCreate assigned id ${id} after lastId ${next.lastId}`);
        next.accounts.set(id, { name: op.name, login: `${op.name}@example.com`, secret: hex(op.secret), counter: 0n });
        next.lastId = id;
        break;
      }
      case 'delete':
        next.accounts.delete(op.id);
        break;
      case 'otp': {
        const account = next.accounts.get(op.id) ?? fail(`GetOtp answered for the absent account ${op.id}`);
        const counter = BigInt(result.counter as number | bigint);
        const issue = `${account.secret}:${counter}`;
        // §5.5: the code of the stored counter, never one issued before (in this life or an earlier one).
        if (this.issued.has(issue)) fail(`HOTP counter ${counter} of account ${op.id} was issued twice`);
        if (counter !== account.counter) fail(`GetOtp issued counter ${counter}; storage held ${account.counter}`);
        this.issued.add(issue);
        account.counter = counter + 1n;
        break;
      }
      case 'verify': {
        const pin = next.pin ?? fail('VerifyPin OK without a PIN');
        if (op.pin !== this.pin) fail('a wrong PIN was accepted');
        pin.retries = pin.maxRetries;
        session.unlocked = true;
        break;
      }
      case 'setpin':
        next.pin = { retries: MAX_RETRIES, maxRetries: MAX_RETRIES };
        session.unlocked = true;
        break;
    }
    return [next];
  }

  /** The states an op in flight may leave besides "not happened": all of it (§5.5), or for a PIN check the charge alone (§6.1). */
  private outcomes(state: Expected, op: Op): Expected[] {
    const next = copy(state);
    switch (op.kind) {
      case 'create':
        next.accounts.set(next.lastId + 1, { name: op.name, login: `${op.name}@example.com`, secret: hex(op.secret), counter: 0n });
        next.lastId += 1;
        return [next];
      case 'delete':
        next.accounts.delete(op.id);
        return [next];
      case 'otp': {
        const account = next.accounts.get(op.id);
        if (account) account.counter += 1n;
        return [next];
      }
      case 'verify': {
        if (!next.pin) return [];
        next.pin.retries -= 1;
        const refilled = copy(next);
        if (refilled.pin && op.pin === this.pin) refilled.pin.retries = refilled.pin.maxRetries;
        return op.pin === this.pin ? [next, refilled] : [next];
      }
      case 'setpin':
        next.pin = { retries: MAX_RETRIES, maxRetries: MAX_RETRIES };
        return [next];
    }
  }
}

/**
 * The writes of one segment, drawn from `random`: unlock (or set the PIN), then account creations, HOTP codes,
 * wrong and right PINs and deletions. Wrong PINs are planned against the attempts stored now, never counting on a
 * right PIN's refill (a fault may stop it), and stop three short of blocking.
 */
export function planOps(random: () => number, state: DeviceState | undefined, pin: string, label: string, count: number): Op[] {
  const ids = (state?.accounts ?? []).map((account) => account.id);
  let lastId = state?.lastId ?? 0;
  let attempts = state?.pin?.retries ?? MAX_RETRIES;
  const ops: Op[] = [state?.pin ? { kind: 'verify', pin } : { kind: 'setpin', pin }];
  const pick = (): number => ids[Math.floor(random() * ids.length)] as number;
  for (let index = 0; index < count; index++) {
    const roll = random();
    if (roll < 0.4 && ids.length > 0) ops.push({ kind: 'otp', id: pick() });
    else if (roll < 0.65 || ids.length === 0) {
      ops.push({ kind: 'create', name: `${label}-${index}`, secret: Uint8Array.from({ length: 20 }, () => Math.floor(random() * 256)) });
      ids.push(++lastId);
    } else if (roll < 0.88) {
      const wrong = attempts > 3;
      ops.push({ kind: 'verify', pin: wrong ? `${pin}9` : pin });
      if (wrong) attempts -= 1;
    } else if (ids.length > 6) {
      const id = pick();
      ops.push({ kind: 'delete', id });
      ids.splice(ids.indexOf(id), 1);
    } else ops.push({ kind: 'otp', id: pick() });
  }
  return ops;
}

/**
 * A copy of `state` with the PIN attempts refilled, when two or fewer are left; otherwise undefined. A right PIN whose
 * refill write fails still costs its attempt (§6.1), so a long run of faults could block the key, after which
 * nothing writes: the tests refill between segments, outside the ledger (which then starts from the refilled state).
 */
export function refilled(state: DeviceState | undefined): DeviceState | undefined {
  const pin = state?.pin;
  return state && pin && pin.retries <= 2 ? { ...state, pin: { ...pin, retries: pin.maxRetries } } : undefined;
}
