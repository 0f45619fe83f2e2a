/** After a restart the key may take a moment to come back (a replugged USB key enumerates again). */
import type { CaseContext } from '../../runner/case-context.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { delay } from '../../checks.js';

const COME_BACK_MS = 30_000;

export async function restartAndReconnect(ctx: CaseContext): Promise<HkpSession> {
  await ctx.controller.restart();
  const deadline = Date.now() + COME_BACK_MS;
  for (;;) {
    try {
      return await ctx.session();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(500);
    }
  }
}
