/**
 * §1.7 and §2.6: from the request until the answer, no gap longer than 100 ms without a KEEPALIVE. Measured on the
 * host in real time, or counted while the controller makes the key's clock jump (a busy host cannot blur that).
 */
import { check } from '../../checks.js';
import type { CaseContext } from '../../runner/case-context.js';

/** `arrivals` are the KEEPALIVE arrival times (performance.now()) after the request left at `sentAt`. */
export function checkCadence(ctx: CaseContext, sentAt: number, arrivals: readonly number[], maxGapMs: number): void {
  const limit = maxGapMs + ctx.toleranceMs;
  const gaps = arrivals.map((at, index) => Math.round(at - (index === 0 ? sentAt : (arrivals[index - 1] as number))));
  const longest = Math.max(...gaps);
  ctx.note(`${arrivals.length} KEEPALIVEs, the longest gap ${longest} ms (limit ${maxGapMs} ms + ${ctx.toleranceMs} ms tolerance)`);
  const late = gaps.findIndex((gap) => gap > limit);
  check(late === -1, `a KEEPALIVE at least every ${maxGapMs} ms, the first within ${maxGapMs} ms of the request (${limit} ms with the tolerance)`, () =>
    late === 0 ? `the first KEEPALIVE after ${gaps[0]} ms` : `a gap of ${gaps[late]} ms before KEEPALIVE ${late + 1}`,
  );
}

/** How long the case listens after a jump of the key's clock: its KEEPALIVEs were sent before the jump ended. */
export const AFTER_JUMP_LISTEN_MS = 150;

/** A KEEPALIVE at least every `maxGapMs` means at least `windowMs / maxGapMs` of them while the key's clock jumps `windowMs`. */
export function checkCadenceInKeyTime(ctx: CaseContext, count: number, windowMs: number, maxGapMs: number): void {
  const least = Math.floor(windowMs / maxGapMs);
  ctx.note(`${count} KEEPALIVEs while the key's clock jumped ${windowMs} ms (at least ${least} for one every ${maxGapMs} ms)`);
  check(count >= least, `at least ${least} KEEPALIVEs in ${windowMs} ms of the key's time (one at least every ${maxGapMs} ms)`, () => `${count} KEEPALIVEs`);
}
