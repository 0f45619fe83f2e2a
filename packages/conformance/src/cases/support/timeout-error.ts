/**
 * §1.12 and §2.10: a request left unfinished is answered with the link's timeout error once its gap passes the
 * limit, and not before. In real time the case measures when the error came. When the controller moves the key's
 * clock and the link can show that the key holds the unfinished request, the case lets most of the gap pass at once,
 * checks the key is still quiet, lets the rest pass and expects the error at once: the same bounds, without the wait.
 */
import { check, fail } from '../../checks.js';
import type { CaseContext } from '../../runner/case-context.js';
import { TIMEOUT_ERROR_MS } from './timing.js';

export interface TimeoutErrorExpectation<M extends { readonly at: number }> {
  /** E.g. "ERROR MSG_TIMEOUT". */
  readonly error: string;
  /** The longest gap the link allows (500 ms for HID, 2000 ms for BLE). */
  readonly limitMs: number;
  /** The next message, or undefined after `waitMs` of silence. */
  read(waitMs: number): Promise<M | undefined>;
  isError(message: M | undefined): boolean;
  describe(message: M | undefined): string;
  /**
   * A round trip showing the key has received the unfinished request, so a jump of its clock counts from there.
   * Without one the case measures in real time: a jump that overtook the request would shorten its gap.
   */
  synchronize?(): Promise<void>;
}

/** How far short of the limit the key must still be quiet; it covers the real time the checks themselves take. */
const QUIET_MARGIN_MS = 200;
/** How long the case listens for a premature error: well inside the margin. */
const QUIET_LISTEN_MS = 50;

/** `sentAt` is when the last part of the unfinished request left (performance.now()). */
export async function expectTimeoutError<M extends { readonly at: number }>(
  ctx: CaseContext,
  sentAt: number,
  expected: TimeoutErrorExpectation<M>,
): Promise<void> {
  const { error, limitMs } = expected;
  if (ctx.virtualTime && expected.synchronize) {
    await expected.synchronize();
    await ctx.passTime(limitMs - QUIET_MARGIN_MS);
    const early = await expected.read(QUIET_LISTEN_MS);
    check(early === undefined, `no ${error} ${limitMs - QUIET_MARGIN_MS} ms into the gap`, () => expected.describe(early));
    await ctx.passTime(QUIET_MARGIN_MS + TIMEOUT_ERROR_MS);
    // The jump fired the key's timers before the controller answered: the error is on its way already.
    const message = await expected.read(TIMEOUT_ERROR_MS + ctx.toleranceMs);
    if (!expected.isError(message)) fail(`${error} as soon as ${limitMs + TIMEOUT_ERROR_MS} ms of the key's time have passed`, expected.describe(message));
    ctx.note(`${error} came when the key's clock passed ${limitMs} ms (the simulator let the time pass at once)`);
    return;
  }
  const limit = limitMs + TIMEOUT_ERROR_MS + ctx.toleranceMs;
  const message = await expected.read(limit + 500);
  const after = message === undefined ? undefined : Math.round(message.at - sentAt);
  if (!expected.isError(message)) {
    fail(`${error} between ${limitMs} and ${limit} ms after the last part`, `${expected.describe(message)}${after === undefined ? '' : ` after ${after} ms`}`);
  }
  ctx.note(`${error} came ${after} ms after the last part`);
  check(
    after !== undefined && after >= limitMs,
    `no ${error} before ${limitMs} ms have passed (a gap of exactly ${limitMs} ms is allowed)`,
    () => `${error} after ${after} ms`,
  );
  check(
    after !== undefined && after <= limit,
    `${error} within 100 ms after the ${limitMs} ms (${limit} ms with the tolerance)`,
    () => `${error} after ${after} ms`,
  );
}
