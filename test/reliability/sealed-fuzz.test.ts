/**
 * The sealed-provisioning fuzz targets (docs/reliability.md), with the budgets of fuzz/budget.ts: the item and
 * receipt parsers, the bundle files' parsers, and ApplySealed sequences on a VirtualKey against a model.
 * `npm run fuzz` runs them with the other targets.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { type FuzzTarget, casesFor, printReport, record, timeoutFor } from './fuzz/budget.js';
import { fuzzBundleParsers, fuzzSealedParsers } from './fuzz/sealed-parser-targets.js';
import { fuzzApplySealedSequences, sealedStatusesSeen } from './fuzz/sealed-targets.js';

function target(name: FuzzTarget, run: (cases: number) => number | Promise<number>, note?: () => string): void {
  test(
    name,
    async () => {
      const started = performance.now();
      const cases = await run(casesFor(name));
      record(name, cases, performance.now() - started, note?.());
      expect(cases).toBeGreaterThan(0);
    },
    timeoutFor(name),
  );
}

describe('fuzzing sealed provisioning (docs/reliability.md)', () => {
  afterAll(printReport);

  target('sealed item, operation and receipt parsers', fuzzSealedParsers);
  target('sealed bundle files', fuzzBundleParsers, () => 'files');
  target('sealed ApplySealed sequences', fuzzApplySealedSequences, () => `items; ${sealedStatusesSeen.size} receipt statuses reached`);
});
