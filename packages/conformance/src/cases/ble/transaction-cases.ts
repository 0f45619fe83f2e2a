/** A MSG in progress over BLE: BUSY for a second MSG, PING still answered, CANCEL, KEEPALIVE cadence (§2.5 to §2.7). */
import { BleCommand, BleError, BleKeepaliveStatus, Status, encodeRequest } from '@hkey/protocol';
import { check, describeBytes, fail } from '../../checks.js';
import { defineCase } from '../../case.js';
import { type BleMessage, type RawBleLink, describeBleMessage } from '../../ble/raw-ble-link.js';
import { bleAtMtu, expectBleError, expectBleSilence } from './checks.js';
import { startBleButtonWait } from './presence-wait.js';
import { CADENCE_WINDOW_MS, CANCEL_ANSWER_MS, KEEPALIVE_MAX_GAP_MS } from '../support/timing.js';
import { AFTER_JUMP_LISTEN_MS, checkCadence, checkCadenceInKeyTime } from '../support/cadence.js';

const needs = ['ble-link', 'presence', 'unlocked'] as const;

async function cancelAndExpectCancelled(raw: RawBleLink, toleranceMs: number): Promise<void> {
  const cancelledAt = await raw.send([Uint8Array.of(BleCommand.CANCEL, 0, 0)]);
  const limit = CANCEL_ANSWER_MS + toleranceMs;
  const answer = await raw.readResponse(limit + 1000);
  if (answer?.cmd !== BleCommand.MSG) fail('MSG with status CANCELLED answering the cancelled request (§2.7)', describeBleMessage(answer));
  check(answer.payload.length === 1 && answer.payload[0] === Status.CANCELLED, 'the single byte 43 (CANCELLED)', () => describeBytes(answer.payload));
  const after = Math.round(answer.at - cancelledAt);
  check(after <= limit, `the answer within 100 ms of the CANCEL (${limit} ms with the tolerance)`, () => `after ${after} ms`);
}

export const bleTransactionCases = [
  defineCase({
    id: 'BLE-13',
    group: 'ble',
    title: 'A second MSG while one is in progress is answered ERROR BUSY; PING is still answered at once',
    spec: '§2.5, §2.8',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      await startBleButtonWait(ctx, raw);
      await raw.sendMessage(BleCommand.MSG, encodeRequest('GetInfo', {}));
      await expectBleError(raw, BleError.BUSY, 'MSG while GetPassword waits for the button');
      await raw.sendMessage(BleCommand.PING, Uint8Array.of(1, 2, 3));
      const echo = await raw.readResponse(1000);
      if (echo?.cmd !== BleCommand.PING) fail('PING answered while the MSG waits', describeBleMessage(echo));
      await cancelAndExpectCancelled(raw, ctx.toleranceMs);
    },
  }),
  defineCase({
    id: 'BLE-14',
    group: 'ble',
    title: 'CANCEL during a wait for the button: the MSG answers CANCELLED within 100 ms, CANCEL itself never',
    spec: '§2.7, §6.3',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      await startBleButtonWait(ctx, raw);
      await cancelAndExpectCancelled(raw, ctx.toleranceMs);
      await expectBleSilence(raw, 'nothing more after the CANCELLED answer');
      await raw.send([Uint8Array.of(BleCommand.CANCEL, 0, 0)]);
      await expectBleSilence(raw, 'a CANCEL with no request in progress changes nothing');
    },
  }),
  defineCase({
    id: 'BLE-15',
    group: 'ble',
    title: 'KEEPALIVE UP_NEEDED at once and at least every 100 ms while the key waits for the button',
    spec: '§2.6, §6.3',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      const { sentAt, keepalives } = await startBleButtonWait(ctx, raw);
      const waited = keepalives.length;
      if (ctx.virtualTime) await ctx.passTime(CADENCE_WINDOW_MS);
      const listenMs = ctx.virtualTime ? AFTER_JUMP_LISTEN_MS : CADENCE_WINDOW_MS;
      const watchUntil = performance.now() + listenMs;
      for (let left = listenMs; left > 0; left = watchUntil - performance.now()) {
        const message: BleMessage | undefined = await raw.readMessage(left);
        if (message === undefined) break;
        if (message.cmd !== BleCommand.KEEPALIVE) fail('only KEEPALIVE while the key waits for the button', describeBleMessage(message));
        check(message.payload.length === 1, 'KEEPALIVE with one status byte', () => describeBleMessage(message));
        keepalives.push(message);
      }
      await cancelAndExpectCancelled(raw, ctx.toleranceMs);
      check(keepalives.at(-1)?.payload[0] === BleKeepaliveStatus.UP_NEEDED, 'status UP_NEEDED while the key waits for the button', () =>
        keepalives.map((keepalive) => keepalive.payload[0]).join(', '),
      );
      if (ctx.virtualTime) checkCadenceInKeyTime(ctx, keepalives.length - waited, CADENCE_WINDOW_MS, KEEPALIVE_MAX_GAP_MS);
      else
        checkCadence(
          ctx,
          sentAt,
          keepalives.map((keepalive) => keepalive.at),
          KEEPALIVE_MAX_GAP_MS,
        );
    },
  }),
];
