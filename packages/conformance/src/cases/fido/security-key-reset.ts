/**
 * Destructive security-key cases start from a key with no FIDO credentials and no FIDO PIN and leave it that way:
 * a power cycle, then authenticatorReset with a press within the 10 s after power-up (CTAP 2.1 §6.6). Reset
 * leaves the HKP accounts and PIN alone (docs/protocol.md §9).
 */
import { CtapCommand } from '@hkey/protocol';
import type { CaseContext } from '../../runner/case-context.js';
import { FidoChannel } from './fido-channel.js';

export async function resetSecurityKey(ctx: CaseContext): Promise<FidoChannel> {
  const channel = await FidoChannel.afterRestart(ctx);
  await channel.ok(CtapCommand.Reset, undefined, 'authenticatorReset within 10 s of power-up, with a press', { presence: { kind: 'press' } });
  return channel;
}

/** Resets now and again after the case, pass or fail. */
export async function freshSecurityKey(ctx: CaseContext): Promise<FidoChannel> {
  ctx.onCleanup(async () => {
    await resetSecurityKey(ctx);
  });
  return resetSecurityKey(ctx);
}
