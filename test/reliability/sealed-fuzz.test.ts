/**
 * The sealed-provisioning fuzz targets (docs/reliability.md), with the budgets of fuzz/budget.ts: the item and
 * receipt parsers, the bundle files' parsers, and ApplySealed sequences on a VirtualKey against a model.
 * `npm run fuzz` runs them with the other targets.
 */
import { afterAll, describe } from 'vitest';
import { printReport } from './fuzz/budget.js';
import { fuzzBundleParsers, fuzzSealedParsers } from './fuzz/sealed-parser-targets.js';
import { fuzzApplySealedSequences, sealedStatusesSeen } from './fuzz/sealed-targets.js';
import { testTarget } from './fuzz/target-test.js';

describe('fuzzing sealed provisioning (docs/reliability.md)', () => {
  afterAll(printReport);

  testTarget('sealed item, operation and receipt parsers', fuzzSealedParsers);
  testTarget('sealed bundle files', fuzzBundleParsers, () => 'files');
  testTarget('sealed ApplySealed sequences', fuzzApplySealedSequences, () => `items; ${sealedStatusesSeen.size} receipt statuses reached`);
});
