/**
 * The suite must catch real faults: it runs against the reference rig (which must pass) and against each
 * deliberately broken key of support/mutants.ts (each must fail, in the case meant for it among others). The
 * mutation score is printed and must match the one docs/conformance.md states.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, expect, test } from 'vitest';
import { type CaseResult, type ConformanceReport, formatTextReport, listCases, runConformance } from '@hkey/conformance';
import { MUTANTS } from './support/mutants.js';
import { type Mutant, startRig } from './support/mutant-rig.js';

/**
 * A mutant of the security key's traffic runs the fido group (over the FIDO BLE service when its fault is there),
 * one of the HKP key the rest: neither can show in the other's cases, and the run stays short.
 */
const casesFor = (mutant: Mutant): string[] =>
  listCases()
    .filter((descriptor) => (descriptor.group === 'fido') === mutant.killer.startsWith('FIDO-'))
    .map((descriptor) => descriptor.id);
/** Runs go a few at a time: the cases spend most of their time waiting on the key. */
const CONCURRENCY = 5;
/**
 * Concurrent runs share one event loop, which delays timers by tens of milliseconds now and then; the broken
 * cadences and timeouts are off by 150 ms and more, so a wider tolerance still catches every one of them.
 */
const TOLERANCE_MS = 100;

async function run(mutant: Partial<Mutant>, only?: readonly string[]): Promise<ConformanceReport> {
  const rig = await startRig(mutant);
  try {
    return await runConformance({ target: rig.target, controller: rig.controller, destructive: true, only, timingToleranceMs: TOLERANCE_MS });
  } finally {
    await rig.close();
  }
}

async function inPool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

let reference: ConformanceReport;
let outcomes: { mutant: Mutant; failed: CaseResult[] }[];

beforeAll(async () => {
  const runs = await inPool<Mutant | undefined, ConformanceReport>([undefined, ...MUTANTS], CONCURRENCY, (mutant) =>
    mutant === undefined ? run({}) : run(mutant, casesFor(mutant)),
  );
  reference = runs[0] as ConformanceReport;
  outcomes = MUTANTS.map((mutant, index) => ({ mutant, failed: (runs[index + 1] as ConformanceReport).results.filter((result) => result.outcome === 'fail') }));
}, 300_000);

test('the reference rig passes every case', () => {
  expect(
    reference.results.filter((result) => result.outcome !== 'pass'),
    formatTextReport(reference),
  ).toEqual([]);
});

test('every mutant is caught by the case meant for it; the mutation score is in docs/conformance.md', async () => {
  const killed = outcomes.filter(({ failed }) => failed.length > 0).length;
  const score = `Mutation score: ${killed}/${MUTANTS.length}`;
  const lines = outcomes.map(({ mutant, failed }) => `${failed.length > 0 ? 'killed' : 'SURVIVED'}  ${mutant.name}: ${describeFailures(failed)}`);
  console.log(`${lines.join('\n')}\n${score}`);
  for (const { mutant, failed } of outcomes) {
    expect(
      failed.map((result) => result.id),
      `${mutant.name} must fail ${mutant.killer}`,
    ).toContain(mutant.killer);
  }
  expect(killed).toBe(MUTANTS.length);
  expect(await readFile(new URL('../../../docs/conformance.md', import.meta.url), 'utf8')).toContain(score);
});

function describeFailures(failed: readonly CaseResult[]): string {
  if (failed.length === 0) return 'no case failed';
  const [first] = failed as [CaseResult];
  return `${failed.map((result) => result.id).join(', ')} (${first.id}: seen ${first.seen ?? ''})`;
}
