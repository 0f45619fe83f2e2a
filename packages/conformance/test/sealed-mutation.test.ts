/**
 * The sealed cases must catch real faults (docs/protocol.md §10): the reference rig passes every one of them, and
 * each broken key of support/sealed-mutants.ts fails, in the case meant for it among others. The score is stated
 * in docs/conformance.md.
 */
import { readFile } from 'node:fs/promises';
import { beforeAll, expect, test } from 'vitest';
import { type CaseResult, type ConformanceReport, formatTextReport, runConformance } from '@hkey/conformance';
import { SEALED_MUTANTS } from './support/sealed-mutants.js';
import { type Mutant, startRig } from './support/mutant-rig.js';

const CONCURRENCY = 4;

async function run(mutant: Partial<Mutant>): Promise<ConformanceReport> {
  const rig = await startRig(mutant);
  try {
    return await runConformance({ target: rig.target, controller: rig.controller, destructive: true, only: ['sealed'] });
  } finally {
    await rig.close();
  }
}

let reference: ConformanceReport;
let outcomes: { mutant: Mutant; failed: CaseResult[] }[];

beforeAll(async () => {
  const mutants: (Mutant | undefined)[] = [undefined, ...SEALED_MUTANTS];
  const reports: ConformanceReport[] = new Array<ConformanceReport>(mutants.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < mutants.length; index = next++) reports[index] = await run(mutants[index] ?? {});
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  reference = reports[0] as ConformanceReport;
  outcomes = SEALED_MUTANTS.map((mutant, index) => ({
    mutant,
    failed: (reports[index + 1] as ConformanceReport).results.filter((result) => result.outcome === 'fail'),
  }));
}, 180_000);

test('the reference rig passes every sealed case', () => {
  expect(reference.results.length).toBeGreaterThan(0);
  expect(
    reference.results.filter((result) => result.outcome !== 'pass'),
    formatTextReport(reference),
  ).toEqual([]);
});

test('every broken sealed key is caught by the case meant for it; the score is in docs/conformance.md', async () => {
  const lines = outcomes.map(({ mutant, failed }) => {
    const first = failed[0];
    const detail = first === undefined ? 'no case failed' : `${failed.map((result) => result.id).join(', ')} (${first.id}: seen ${first.seen ?? ''})`;
    return `${failed.length > 0 ? 'killed' : 'SURVIVED'}  ${mutant.name}: ${detail}`;
  });
  const score = `Sealed mutation score: ${outcomes.filter(({ failed }) => failed.length > 0).length}/${outcomes.length}`;
  console.log(`${lines.join('\n')}\n${score}`);
  for (const { mutant, failed } of outcomes)
    expect(
      failed.map((result) => result.id),
      `${mutant.name} must fail ${mutant.killer}`,
    ).toContain(mutant.killer);
  expect(await readFile(new URL('../../../docs/conformance.md', import.meta.url), 'utf8')).toContain(`${score}.`);
});
