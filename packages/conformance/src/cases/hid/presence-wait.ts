/**
 * A raw HKP_MSG request that keeps the key busy: GetPassword waits for the button (§4.14), and the controller
 * makes sure nobody presses it. The cadence, CANCEL and busy-channel cases watch the key during that wait.
 */
import { HidCommand, HidKeepaliveStatus, Status, encodeRequest } from '@hkey/protocol';
import { fail } from '../../checks.js';
import type { CaseContext } from '../../runner/case-context.js';
import { type HidMessage, type RawHidLink, describeMessage } from '../../hid/raw-hid-link.js';
import { passwordAccount } from '../support/accounts.js';
import { ANSWER_MS, SILENCE_MS } from '../support/timing.js';

export interface PendingWait {
  /** When the request's last packet left (performance.now()). */
  readonly sentAt: number;
  /** The KEEPALIVEs so far, the last one with status UPNEEDED. */
  readonly keepalives: HidMessage[];
}

/** The HID interface is one session (§0); when it is not the one the run's transport unlocked, unlock it here. */
async function unlock(ctx: CaseContext, link: RawHidLink, cid: number): Promise<void> {
  if (ctx.pin.kind !== 'known') return;
  await link.sendMessage(cid, HidCommand.HKP_MSG, encodeRequest('VerifyPin', { pin: ctx.pin.pin }));
  const answer = await link.readResponse(cid, ANSWER_MS);
  if (answer?.cmd !== HidCommand.HKP_MSG || answer.payload[0] !== Status.OK) fail('VerifyPin OK on the HID interface', describeMessage(answer));
}

/** Sends GetPassword on `cid` and returns once the key says it waits for the button. */
export async function startButtonWait(ctx: CaseContext, link: RawHidLink, cid: number): Promise<PendingWait> {
  const id = await passwordAccount(ctx, await ctx.session());
  await unlock(ctx, link, cid);
  // If the case fails while the key waits, release it so the next case finds it idle (§1.8); a key no longer
  // waiting ignores the CANCEL.
  ctx.onCleanup(async () => {
    await link.sendMessage(cid, HidCommand.CANCEL, new Uint8Array(0));
    await link.readResponse(cid, SILENCE_MS);
  });
  const sentAt = await link.sendMessage(cid, HidCommand.HKP_MSG, encodeRequest('GetPassword', { id }));
  const keepalives: HidMessage[] = [];
  for (;;) {
    const message = await link.readMessage(cid, ANSWER_MS);
    if (message?.cmd !== HidCommand.KEEPALIVE) {
      fail('KEEPALIVE UPNEEDED while GetPassword waits for the button (§1.7, §4.14)', describeMessage(message));
    }
    keepalives.push(message);
    if (message.payload[0] === HidKeepaliveStatus.UPNEEDED) break;
  }
  await ctx.controller.answerPresence({ kind: 'ignore' });
  return { sentAt, keepalives };
}
