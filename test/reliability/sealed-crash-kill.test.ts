/**
 * Crash safety of sealed provisioning against SIGKILL (docs/protocol.md §10.4.4, §5.5): the simulator process of
 * crash-child.ts, on a state file, is killed at a random moment while a relay streams it ApplySealed items (the next
 * ones in order, some already applied, one skipping ahead, one with a broken signature), then started again, many
 * times. After every kill the state file must load, and: every receipt the relay got verifies under the key's
 * signing key and says what the order of the items says; the stored sequence is the one the answers left, or one
 * more when the kill took the answer of an applied item (never less: nothing consumed is lost); and the accounts are
 * exactly those the issuer's items up to that sequence make, each item's effect once (state and sequence agree).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type SealedItem,
  type StatusName,
  Status,
  decodeResponse,
  encodeMap,
  encodeRequest,
  encodeSealedOperation,
  p256KeyPair,
  sealItem,
  SealedOperationSchemas,
  type SealedOperationName,
  statusName,
  verifyReceipt,
} from '@hkey/protocol';
import { type DeviceState, VirtualKey, autoApprove, seededRandom } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';
import { bundleCrashChild } from './crash/crash-child-bundle.js';
import { drawKillPlan, learnWriteMs, live } from './crash/kill-driver.js';
import { fuzzSeed } from './fuzz/budget.js';

/** A fifth of crash-kill.test.ts's kills: each life here also derives the key's identity, opens and signs. */
const KILLS = Math.ceil(Number(process.env.HKEY_CRASH_KILLS ?? 500) / 5);
const LANES = 2;
const ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x41));
const NOT_AFTER = 4_102_444_800;

let directory: string;
let child: string;

beforeAll(async () => {
  ({ directory, child } = await bundleCrashChild('hkey-sealed-crash-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The issuer's operation at each sequence: a cycle of creates, updates and deletes, so the key's accounts stay few. */
function operationAt(sequence: number): { operation: SealedOperationName; params: Record<string, unknown> } {
  const cycle = Math.floor((sequence - 1) / 6);
  const first = 2 * cycle + 1;
  switch (sequence % 6) {
    case 1:
      return { operation: 'AccountCreate', params: { name: `s${sequence}` } };
    case 2:
      return { operation: 'AccountUpdate', params: { id: first, login: `l${sequence}` } };
    case 3:
      return { operation: 'AccountCreate', params: { name: `s${sequence}` } };
    case 4:
      return { operation: 'AccountDelete', params: { id: first } };
    case 5:
      return { operation: 'AccountUpdate', params: { id: first + 1, login: `l${sequence}` } };
    default:
      return { operation: 'AccountDelete', params: { id: first + 1 } };
  }
}

/** The accounts and last id the issuer's items 1..sequence make, applied once each, as JSON. */
function expectedAccounts(sequence: number): string {
  const accounts = new Map<number, { name: string; login?: string }>();
  let lastId = 0;
  for (let at = 1; at <= sequence; at++) {
    const { operation, params } = operationAt(at);
    if (operation === 'AccountCreate') accounts.set(++lastId, { name: params.name as string });
    else if (operation === 'AccountUpdate') (accounts.get(params.id as number) ?? { name: '?' }).login = params.login as string;
    else accounts.delete(params.id as number);
  }
  return JSON.stringify({ accounts: [...accounts.entries()].map(([id, account]) => [id, account.name, account.login ?? null]), lastId });
}

function accountsOf(state: DeviceState): string {
  return JSON.stringify({ accounts: state.accounts.map((account) => [account.id, account.name, account.login ?? null]), lastId: state.lastId });
}

function applyRequest(item: SealedItem): string {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < item.ciphertext.length; offset += 256) chunks.push(item.ciphertext.subarray(offset, offset + 256));
  return Buffer.from(encodeRequest('ApplySealed', { header: item.header, enc: item.enc, ciphertext: chunks, signature: item.signature })).toString('hex');
}

interface Sent {
  readonly sequence: number;
  readonly broken: boolean;
}

/** What the key answers to `items` from stored sequence `last`, in order (§10.4.4). */
function expectedStatuses(items: readonly Sent[], last: number): { statuses: StatusName[]; after: number[] } {
  const statuses: StatusName[] = [];
  const after: number[] = [];
  let current = last;
  for (const item of items) {
    const status: StatusName = item.broken
      ? 'SEALED_BAD_SIGNATURE'
      : item.sequence <= current
        ? 'SEALED_REPLAY'
        : item.sequence > current + 1
          ? 'SEALED_OUT_OF_ORDER'
          : 'OK';
    if (status === 'OK') current = item.sequence;
    statuses.push(status);
    after.push(current);
  }
  return { statuses, after };
}

interface LaneResult {
  kills: number;
  applied: number;
  answers: number;
  /** Kills that took the answer of an item the key had applied: the relay sends it again and gets SEALED_REPLAY. */
  lostAnswers: number;
  checks: number;
}

async function lane(index: number, kills: number): Promise<LaneResult> {
  const path = join(directory, `sealed-lane-${index}`, 'key.json');
  const random = seededRandom(fuzzSeed + 200 + index);
  const next = (): number => random.nextFloat();
  const setup = await VirtualKey.start({ store: new FileStore(path), presence: autoApprove, storageTotal: 1 << 20 });
  const session = setup.openSession('virtual');
  const enrolled = decodeResponse(
    'EnrollIssuer',
    (await session.handle(encodeRequest('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey }))) ?? new Uint8Array(),
  );
  const identity = decodeResponse('GetIdentity', (await session.handle(encodeRequest('GetIdentity', {}))) ?? new Uint8Array());
  if (!enrolled.ok || !identity.ok) throw new Error('the lane key did not enroll');
  const { serial, kemPublicKey, signingPublicKey } = identity.result;
  const sealed = new Map<number, SealedItem>();
  const itemAt = async (sequence: number): Promise<SealedItem> => {
    let item = sealed.get(sequence);
    if (item === undefined) {
      const { operation, params } = operationAt(sequence);
      item = await sealItem({
        issuer: ISSUER,
        recipient: { serial, kemPublicKey },
        sequence,
        notAfter: NOT_AFTER,
        created: 0,
        plaintext: encodeSealedOperation({ operation, params: encodeMap(SealedOperationSchemas[operation], params as never) }),
      });
      sealed.set(sequence, item);
    }
    return item;
  };
  const result: LaneResult = { kills, applied: 0, answers: 0, lostAnswers: 0, checks: 0 };
  let writeMs = 8;
  for (let kill = 0; kill < kills; kill++) {
    const before = await new FileStore(path).load();
    const last = before?.provisioning?.issuer?.sequence ?? -1;
    expect(last, 'the stored sequence').toBeGreaterThanOrEqual(0);
    // The relay resends from a little before where it thinks the key is, then goes on; now and then it sends an
    // item from further ahead or one whose signature the way broke.
    const plan: Sent[] = [];
    let sequence = Math.max(1, last + 1 - Math.floor(next() * 3));
    for (let count = 4 + Math.floor(next() * 7); count > 0; count--) {
      const draw = next();
      if (draw < 0.1) plan.push({ sequence: sequence + 2, broken: false });
      else if (draw < 0.18) plan.push({ sequence, broken: true });
      else plan.push({ sequence: sequence++, broken: false });
    }
    const lines: string[] = [];
    for (const sent of plan) {
      const item = await itemAt(sent.sequence);
      lines.push(applyRequest(sent.broken ? { ...item, signature: item.signature.map((byte, at) => (at === 10 ? byte ^ 1 : byte)) } : item));
    }
    const killPlan = drawKillPlan(next, plan.length, writeMs);
    // Timed from the spawn, start-up included (life.answeredMs starts at the send): the kill delays this test was tuned with.
    const started = performance.now();
    const life = await live(child, path, lines, killPlan);
    writeMs = learnWriteMs(writeMs, life.answers.length, performance.now() - started);

    // The state file loads after every kill (§5.5).
    const after = await new FileStore(path).load();
    if (after === undefined) throw new Error('the state file is gone');
    const stored = after.provisioning?.issuer?.sequence ?? -1;
    const expected = expectedStatuses(plan, last);
    for (const [at, answer] of life.answers.entries()) {
      const response = decodeResponse('ApplySealed', answer ?? new Uint8Array());
      if (!response.ok) throw new Error(`ApplySealed answered ${response.status}`);
      const receipt = await verifyReceipt(response.result, signingPublicKey);
      expect(statusName(receipt.status), `lane ${index}, kill ${kill}: answer ${at} of items ${JSON.stringify(plan)} from ${last}`).toBe(expected.statuses[at]);
      expect(receipt.sequence).toBe(plan[at]?.sequence);
      if (receipt.status === Status.OK) result.applied++;
    }
    result.answers += life.answers.length;
    // Never a consumed sequence lost, never one consumed without its answer's item being next in order.
    const answered = life.answers.length;
    const settled = answered === 0 ? last : (expected.after[answered - 1] as number);
    const inFlight = life.sent && answered < plan.length && expected.statuses[answered] === 'OK';
    const allowed = inFlight ? [settled, settled + 1] : [settled];
    expect(allowed, `lane ${index}, kill ${kill}: stored sequence ${stored} after ${answered} answers from ${last}`).toContain(stored);
    if (stored === settled + 1) result.lostAnswers++;
    // The accounts are what items 1..stored make, each once.
    expect(accountsOf(after), `lane ${index}, kill ${kill}: accounts at sequence ${stored}`).toBe(expectedAccounts(stored));
    result.checks += 3;
  }
  return result;
}

describe('SIGKILL during ApplySealed (docs/protocol.md §10.4.4, §5.5)', () => {
  test(`${KILLS} kills while items are applied: no item applied twice, no consumed sequence lost, state and sequence agree`, async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: LANES }, (_, index) => lane(index, Math.ceil(KILLS / LANES))));
    const total = results.reduce((sum, result) => ({
      kills: sum.kills + result.kills,
      applied: sum.applied + result.applied,
      answers: sum.answers + result.answers,
      lostAnswers: sum.lostAnswers + result.lostAnswers,
      checks: sum.checks + result.checks,
    }));
    console.log(
      `SIGKILL (sealed): ${total.kills} kills in ${((performance.now() - started) / 1000).toFixed(1)} s, ${total.answers} receipts ` +
        `(${total.applied} applied items), ${total.lostAnswers} kills after an apply whose receipt never came, ${total.checks} checks; seed ${fuzzSeed}`,
    );
    expect(total.kills).toBeGreaterThanOrEqual(KILLS);
    expect(total.applied).toBeGreaterThan(total.kills);
    // Some kills must land between an item's write and its answer, or the test would not test the hard case.
    expect(total.lostAnswers).toBeGreaterThan(0);
  }, 240_000);
});
