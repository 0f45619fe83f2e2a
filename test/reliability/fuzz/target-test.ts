/**
 * A fuzz target as a vitest test (docs/reliability.md): run at its budget, recorded for the report, and failed when
 * it ran no cases. Apart from budget.ts, which scripts/fuzz.ts imports outside vitest.
 */
import { expect, test } from 'vitest';
import { type FuzzTarget, casesFor, record, timeoutFor } from './budget.js';

/** `run` takes the cases to run and returns how many it ran; `note` adds to the target's row of the report. */
export function testTarget(name: FuzzTarget, run: (cases: number) => number | Promise<number>, note?: () => string): void {
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
