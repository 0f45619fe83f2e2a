import type { ResponseOf } from '@hkey/protocol';
import { initialState } from '../core/state.js';
import type { CommandContext } from './context.js';

/** docs/protocol.md §4.15 */
export function wink(ctx: CommandContext): ResponseOf<'Wink'> {
  ctx.wink();
  return {};
}

/** docs/protocol.md §4.16: identity, clock and battery stay; everything else goes. */
export async function wipe(ctx: CommandContext): Promise<ResponseOf<'Wipe'>> {
  await ctx.requirePresence('hold', 'Wipe');
  const { identity, storageTotal, clockOffsetMs, battery } = ctx.state;
  await ctx.commit({ ...initialState(identity, storageTotal), clockOffsetMs, battery });
  ctx.lockOtherSessions();
  ctx.session.unlocked = false;
  return {};
}
