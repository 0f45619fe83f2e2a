/**
 * Crash safety against SIGKILL (docs/reliability.md, docs/protocol.md §5.5): a simulator process (crash-child.ts)
 * on a state file is killed at a random moment while it creates accounts, issues HOTP codes and checks PINs, then
 * started again, hundreds of times. After each kill the state file must load, and the ledger (crash/ledger.ts)
 * checks it: every acknowledged write present, the one request in flight all or nothing, no HOTP counter issued
 * twice, no PIN attempt refunded. Two lanes (two keys, two files) run side by side, one per core.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CtapCommand } from '@hkey/protocol';
import { VirtualKey, autoApprove, seededRandom } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';
import { FidoClient, ctapRequest, getAssertionParams, makeCredentialParams } from '../../firmware-sim/test/fido-client.js';
import { CounterLedger } from './crash/counter-ledger.js';
import { Ledger, encodeOp, planOps, refilled } from './crash/ledger.js';
import { bundleCrashChild } from './crash/crash-child-bundle.js';
import { drawKillPlan, learnWriteMs, live } from './crash/kill-driver.js';
import { fuzzSeed } from './fuzz/budget.js';

const KILLS = Number(process.env.HKEY_CRASH_KILLS ?? 500);
const LANES = 2;
const PIN = '58203917';

let directory: string;
let child: string;

beforeAll(async () => {
  ({ directory, child } = await bundleCrashChild('hkey-crash-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface LaneResult {
  kills: number;
  acknowledged: number;
  interrupted: number;
  checks: number;
  refills: number;
}

async function lane(index: number, kills: number): Promise<LaneResult> {
  const path = join(directory, `lane-${index}`, 'key.json');
  const random = seededRandom(fuzzSeed + index);
  const next = (): number => random.nextFloat();
  const ledger = new Ledger(PIN);
  let acknowledged = 0;
  let writeMs = 10;
  ledger.begin(undefined);
  let refills = 0;
  for (let kill = 0; kill < kills; kill++) {
    let before = await new FileStore(path).load();
    const refill = refilled(before);
    if (refill) {
      refills++;
      await new FileStore(path).save(refill);
      ledger.begin(refill);
      before = refill;
    }
    const ops = planOps(next, before, PIN, `l${index}k${kill}`, 8 + Math.floor(next() * 9));
    const plan = drawKillPlan(next, ops.length, writeMs);
    const life = await live(
      child,
      path,
      ops.map((op) => Buffer.from(encodeOp(op)).toString('hex')),
      plan,
    );
    writeMs = learnWriteMs(writeMs, life.answers.length, life.answeredMs);
    // The state file must load after every kill (§8.4): never damaged, never reset.
    const after = await new FileStore(path).load();
    ledger.settle(life.sent ? ops : [], life.sent ? ops.map((_, i) => (i < life.answers.length ? life.answers[i] : undefined)) : [], after);
    acknowledged += life.answers.length;
  }
  return { kills, acknowledged, interrupted: ledger.interrupted, checks: ledger.checks, refills };
}

/** The FIDO signature counter: a lane of GetAssertion and MakeCredential requests (CTAP) on a key with a discoverable credential. */
async function counterLane(index: number, kills: number): Promise<{ kills: number; acknowledged: number; interrupted: number }> {
  const path = join(directory, `ctap-lane-${index}`, 'key.json');
  const setup = await VirtualKey.start({ store: new FileStore(path), presence: autoApprove });
  const made = await new FidoClient(setup.openSession('virtual')).makeCredential({ rk: true });
  expect(made.status).toBe(0);
  const random = seededRandom(fuzzSeed + 100 + index);
  const next = (): number => random.nextFloat();
  const ledger = new CounterLedger(setup.state.fido?.signCount ?? 0);
  let acknowledged = 0;
  let writeMs = 10;
  for (let kill = 0; kill < kills; kill++) {
    const lines = Array.from({ length: 8 + Math.floor(next() * 9) }, (_, i) => {
      const request =
        next() < 0.8
          ? ctapRequest(CtapCommand.GetAssertion, getAssertionParams())
          : ctapRequest(CtapCommand.MakeCredential, makeCredentialParams({ userId: Uint8Array.of(kill, i) }));
      return `c${Buffer.from(request).toString('hex')}`;
    });
    const life = await live(child, path, lines, drawKillPlan(next, lines.length, writeMs));
    writeMs = learnWriteMs(writeMs, life.answers.length, life.answeredMs);
    const after = await new FileStore(path).load();
    ledger.settle(life.sent ? lines.length : 0, life.answers, after?.fido?.signCount);
    acknowledged += life.answers.length;
  }
  return { kills, acknowledged, interrupted: ledger.interrupted };
}

describe('SIGKILL during writes (docs/protocol.md §5.5)', () => {
  test(`${KILLS} kills of the simulator process: the state loads, acknowledged writes stay, nothing is issued twice or refunded`, async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: LANES }, (_, index) => lane(index, Math.ceil(KILLS / LANES))));
    const seconds = (performance.now() - started) / 1000;
    const total = results.reduce((sum, result) => ({
      kills: sum.kills + result.kills,
      acknowledged: sum.acknowledged + result.acknowledged,
      interrupted: sum.interrupted + result.interrupted,
      checks: sum.checks + result.checks,
      refills: sum.refills + result.refills,
    }));
    console.log(
      `SIGKILL: ${total.kills} kills in ${seconds.toFixed(1)} s (${(total.kills / seconds).toFixed(1)} kills/s, ${LANES} lanes), ` +
        `${total.acknowledged} acknowledged writes, ` +
        `${total.checks} state checks, ${total.interrupted} kills with a write in flight, ${total.refills} PIN refills; seed ${fuzzSeed}`,
    );
    expect(total.kills).toBeGreaterThanOrEqual(KILLS);
    // Most kills must land mid-burst, or the test would not be testing anything.
    expect(total.interrupted).toBeGreaterThan(total.kills / 3);
  }, 180_000);

  const counterKills = Math.ceil(KILLS / 4);
  test(`${counterKills} kills during CTAP assertions and registrations: the signature counter never repeats or goes back`, async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: LANES }, (_, index) => counterLane(index, Math.ceil(counterKills / LANES))));
    const total = results.reduce((sum, result) => ({
      kills: sum.kills + result.kills,
      acknowledged: sum.acknowledged + result.acknowledged,
      interrupted: sum.interrupted + result.interrupted,
    }));
    console.log(
      `SIGKILL (CTAP): ${total.kills} kills in ${((performance.now() - started) / 1000).toFixed(1)} s, ${total.acknowledged} acknowledged counters, ` +
        `${total.interrupted} kills after a counter write whose answer never came; seed ${fuzzSeed}`,
    );
    expect(total.kills).toBeGreaterThanOrEqual(counterKills);
    expect(total.acknowledged).toBeGreaterThan(total.kills);
  }, 120_000);
});
