/** Destructive cases start from a key without a PIN and end with Wipe, which is how §4.16 removes a PIN. */
import type { CaseContext } from '../../runner/case-context.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { WIPE_HOLD_MS } from './timing.js';

/** Wipe with the button held for the full 10 s (§4.16, §6.3); the run then knows the key has no PIN. */
export async function wipe(ctx: CaseContext, session: HkpSession): Promise<void> {
  await session.expectStatus('Wipe', {}, 'OK', { presence: { kind: 'hold', ms: WIPE_HOLD_MS } });
  ctx.pin = { kind: 'none' };
}

/** Wipes first when the key has a PIN, so SetPin can run; after the case, wipes whatever the case left. */
export async function freshKeyForCase(ctx: CaseContext): Promise<HkpSession> {
  if (ctx.pin.kind !== 'none') await wipe(ctx, await ctx.session());
  ctx.onCleanup(async () => {
    const session = await ctx.session();
    const info = await session.ok('GetInfo', {});
    if (info.pinState !== 'NOT_SET' || info.accountCount > 0) await wipe(ctx, session);
  });
  return ctx.session();
}

/** SetPin with a press; the calling session is unlocked and the run knows the PIN (§4.4). */
export async function setPin(ctx: CaseContext, session: HkpSession, pin: string, maxRetries: number): Promise<void> {
  await session.expectStatus('SetPin', { pin, maxRetries }, 'OK', { presence: { kind: 'press' } });
  ctx.pin = { kind: 'known', pin };
}
