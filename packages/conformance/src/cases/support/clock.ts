/** SetTime moves the key's clock; a non-destructive run puts it back where it would have been. */
import type { CaseContext } from '../../runner/case-context.js';
import type { HkpSession } from '../../session/hkp-session.js';

export async function restoreClockAfterCase(ctx: CaseContext, session: HkpSession): Promise<void> {
  const before = Number((await session.ok('GetInfo', {})).time);
  const startedAt = performance.now();
  ctx.onCleanup(async () => {
    const cleaner = await ctx.session();
    await cleaner.ok('SetTime', { time: before + Math.round((performance.now() - startedAt) / 1000) });
  });
}
