/** A transaction in progress: other channels are refused, CANCEL stops it, KEEPALIVE shows it is alive (§1.7, §1.8, §1.11). */
import { HidCommand, HidError, HidKeepaliveStatus, Status } from '@hkey/protocol';
import { check, describeBytes, fail } from '../../checks.js';
import { defineCase } from '../../case.js';
import { type HidMessage, type RawHidLink, describeMessage } from '../../hid/raw-hid-link.js';
import { expectHidError, expectHidSilence } from './checks.js';
import { startButtonWait } from './presence-wait.js';
import { CADENCE_WINDOW_MS, CANCEL_ANSWER_MS, KEEPALIVE_MAX_GAP_MS } from '../support/timing.js';
import { AFTER_JUMP_LISTEN_MS, checkCadence, checkCadenceInKeyTime } from '../support/cadence.js';

const needs = ['hid-port', 'presence', 'unlocked'] as const;

/** CANCEL on `cid`; the waiting request must answer HKP_MSG 43 within 100 ms (+ tolerance). */
async function cancelAndExpectCancelled(link: RawHidLink, cid: number, toleranceMs: number): Promise<HidMessage> {
  const cancelledAt = await link.sendMessage(cid, HidCommand.CANCEL, new Uint8Array(0));
  const limit = CANCEL_ANSWER_MS + toleranceMs;
  const answer = await link.readResponse(cid, limit + 1000);
  if (answer?.cmd !== HidCommand.HKP_MSG) fail('HKP_MSG with status CANCELLED answering the cancelled request (§1.8)', describeMessage(answer));
  check(answer.payload.length === 1 && answer.payload[0] === Status.CANCELLED, 'the single byte 43 (CANCELLED)', () => describeBytes(answer.payload));
  const after = Math.round(answer.at - cancelledAt);
  check(after <= limit, `the answer within 100 ms of the CANCEL (${limit} ms with the tolerance)`, () => `after ${after} ms`);
  return answer;
}

export const transactionCases = [
  defineCase({
    id: 'HID-21',
    group: 'hid',
    title: "While a channel's request is processed, every other request is answered CHANNEL_BUSY",
    spec: '§1.11 rule 7, §1.10',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const busy = await link.allocate();
      const other = await link.allocate();
      await startButtonWait(ctx, link, busy);
      await link.sendMessage(other, HidCommand.PING, Uint8Array.of(1));
      await expectHidError(link, other, HidError.CHANNEL_BUSY, 'another channel while the busy channel waits for the button');
      await link.sendMessage(busy, HidCommand.PING, Uint8Array.of(2));
      await expectHidError(link, busy, HidError.CHANNEL_BUSY, 'a second request on the busy channel itself');
      await cancelAndExpectCancelled(link, busy, ctx.toleranceMs);
    },
  }),
  defineCase({
    id: 'HID-22',
    group: 'hid',
    title: 'CANCEL during a wait for the button: the request answers CANCELLED within 100 ms, CANCEL itself never',
    spec: '§1.8, §6.3',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      await startButtonWait(ctx, link, cid);
      await cancelAndExpectCancelled(link, cid, ctx.toleranceMs);
      await expectHidSilence(link, cid, 'nothing more after the CANCELLED answer');
      await link.sendMessage(cid, HidCommand.CANCEL, new Uint8Array(0));
      await expectHidSilence(link, cid, 'a CANCEL with no request in progress changes nothing');
    },
  }),
  defineCase({
    id: 'HID-23',
    group: 'hid',
    title: 'KEEPALIVE UPNEEDED at once and at least every 100 ms while the key waits for the button',
    spec: '§1.7, §6.3',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      const { sentAt, keepalives } = await startButtonWait(ctx, link, cid);
      const waited = keepalives.length;
      if (ctx.virtualTime) await ctx.passTime(CADENCE_WINDOW_MS);
      const listenMs = ctx.virtualTime ? AFTER_JUMP_LISTEN_MS : CADENCE_WINDOW_MS;
      const watchUntil = performance.now() + listenMs;
      for (let left = listenMs; left > 0; left = watchUntil - performance.now()) {
        const message = await link.readMessage(cid, left);
        if (message === undefined) break;
        if (message.cmd !== HidCommand.KEEPALIVE) fail('only KEEPALIVE while the key waits for the button', describeMessage(message));
        check(message.reports.length === 1 && message.payload.length === 1, 'KEEPALIVE as a single packet with one status byte', () =>
          describeMessage(message),
        );
        keepalives.push(message);
      }
      await cancelAndExpectCancelled(link, cid, ctx.toleranceMs);
      check(
        keepalives.every((keepalive) => keepalive.payload[0] === HidKeepaliveStatus.PROCESSING || keepalive.payload[0] === HidKeepaliveStatus.UPNEEDED),
        'KEEPALIVE status 1 (PROCESSING) or 2 (UPNEEDED)',
        () => keepalives.map((keepalive) => keepalive.payload[0]).join(', '),
      );
      const waiting = keepalives.filter((keepalive) => keepalive.payload[0] === HidKeepaliveStatus.UPNEEDED);
      check(waiting.length > 0 && waiting.at(-1) === keepalives.at(-1), 'status UPNEEDED while the key waits for the button', () =>
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
