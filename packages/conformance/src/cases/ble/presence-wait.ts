/** A MSG request that keeps the key waiting for its button over BLE (GetPassword, §4.14), for cadence, CANCEL and BUSY. */
import { BleCommand, BleKeepaliveStatus, Status, encodeRequest } from '@hkey/protocol';
import { byteName, fail } from '../../checks.js';
import type { CaseContext } from '../../runner/case-context.js';
import { type BleMessage, type RawBleLink, describeBleMessage } from '../../ble/raw-ble-link.js';
import { passwordAccount } from '../support/accounts.js';
import { ANSWER_MS } from '../support/timing.js';

/** Each BLE connection is its own session (§0): it must verify the PIN itself when the key has one. */
async function unlock(ctx: CaseContext, raw: RawBleLink): Promise<void> {
  if (ctx.pin.kind !== 'known') return;
  await raw.sendMessage(BleCommand.MSG, encodeRequest('VerifyPin', { pin: ctx.pin.pin }));
  const answer = await raw.readResponse(ANSWER_MS);
  if (answer?.cmd !== BleCommand.MSG || answer.payload[0] !== Status.OK) fail('VerifyPin OK on the new connection', describeBleMessage(answer));
}

export async function startBleButtonWait(ctx: CaseContext, raw: RawBleLink): Promise<{ sentAt: number; keepalives: BleMessage[] }> {
  const id = await passwordAccount(ctx, await ctx.session());
  await unlock(ctx, raw);
  // Dropping the connection abandons the request (§2.1), so the account can be deleted afterwards.
  ctx.onCleanup(() => raw.close());
  const sentAt = await raw.sendMessage(BleCommand.MSG, encodeRequest('GetPassword', { id }));
  const keepalives: BleMessage[] = [];
  for (;;) {
    const message = await raw.readMessage(ANSWER_MS);
    if (message?.cmd !== BleCommand.KEEPALIVE) fail('KEEPALIVE UP_NEEDED while GetPassword waits for the button (§2.6, §4.14)', describeBleMessage(message));
    keepalives.push(message);
    if (message.payload[0] === BleKeepaliveStatus.UP_NEEDED) break;
    if (message.payload.length !== 1) fail('KEEPALIVE with one status byte', `${message.payload.length} bytes`);
    if (message.payload[0] !== BleKeepaliveStatus.PROCESSING) fail('KEEPALIVE status 1 or 2', byteName(message.payload[0] as number));
  }
  await ctx.controller.answerPresence({ kind: 'ignore' });
  return { sentAt, keepalives };
}
