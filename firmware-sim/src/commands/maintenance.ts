import type { ResponseOf } from '@hkey/protocol';
import { initialState } from '../core/state.js';
import type { CommandContext } from './context.js';

/** docs/protocol.md §4.15 */
export function wink(ctx: CommandContext): ResponseOf<'Wink'> {
  ctx.wink();
  return {};
}

/**
 * docs/protocol.md §4.16: identity (with the provisioning seed, §10.2), clock and battery stay; everything else goes,
 * the issuer too: the key is Ready again.
 */
export async function wipe(ctx: CommandContext): Promise<ResponseOf<'Wipe'>> {
  await ctx.requirePresence('hold', 'Wipe');
  const { identity, storageTotal, clockOffsetMs, battery, provisioning } = ctx.state;
  const seed = provisioning && { provisioning: { seed: provisioning.seed, lifecycle: 'READY' as const } };
  await ctx.commit({ ...initialState(identity, storageTotal), clockOffsetMs, battery, ...seed });
  ctx.lockOtherSessions();
  ctx.session.unlocked = false;
  return {};
}
