/** How the key receives requests (§1.11) and times them out (§1.12). */
import { HID_CONT_DATA_SIZE, HID_INIT_DATA_SIZE, HidCommand, HidError } from '@hkey/protocol';
import { check, checkEqual, patternBytes, sameBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { continuationPacket, initPacket } from '../../hid/hid-packets.js';
import { describeMessage } from '../../hid/raw-hid-link.js';
import { expectHidAnswer, expectHidError, expectHidSilence, hidErrorName } from './checks.js';
import { HID_PACKET_TIMEOUT_MS } from '../support/timing.js';
import { expectTimeoutError } from '../support/timeout-error.js';

const needs = ['hid-port'] as const;
/** A 100-byte PING: an initialization packet with 57 bytes and one continuation with 43. */
const TWO_PACKET_PING = patternBytes(100);
const firstPacket = (cid: number): Uint8Array => initPacket(cid, HidCommand.PING, TWO_PACKET_PING.length, TWO_PACKET_PING);
const secondPacket = (cid: number, seq = 0): Uint8Array => continuationPacket(cid, seq, TWO_PACKET_PING.subarray(HID_INIT_DATA_SIZE));

export const receiveRuleCases = [
  defineCase({
    id: 'HID-17',
    group: 'hid',
    title: 'A continuation with the wrong SEQ is answered INVALID_SEQ and the request is dropped',
    spec: '§1.11 rule 2',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      await link.send([firstPacket(cid), secondPacket(cid, 1)]);
      await expectHidError(link, cid, HidError.INVALID_SEQ, 'SEQ 1 where 0 was due');
      await link.send([secondPacket(cid, 0)]);
      await expectHidSilence(link, cid, 'the rest of a dropped request is spurious');
    },
  }),
  defineCase({
    id: 'HID-18',
    group: 'hid',
    title: 'A continuation without an initialization packet is dropped without an answer',
    spec: '§1.11 rule 2',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      await link.send([continuationPacket(cid, 0, patternBytes(HID_CONT_DATA_SIZE))]);
      await expectHidSilence(link, cid, 'a spurious continuation');
      await link.sendMessage(cid, HidCommand.PING, Uint8Array.of(7));
      await expectHidAnswer(link, cid, HidCommand.PING, 'the channel still answers PING');
    },
  }),
  defineCase({
    id: 'HID-19',
    group: 'hid',
    title: 'Interleaved channels: the second is answered CHANNEL_BUSY while the first completes its request',
    spec: '§1.11 rule 5, §1.10',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const first = await link.allocate();
      const second = await link.allocate();
      await link.send([firstPacket(first)]);
      await link.sendMessage(second, HidCommand.PING, Uint8Array.of(9));
      await expectHidError(link, second, HidError.CHANNEL_BUSY, "the first channel's request is being received");
      await link.send([secondPacket(first)]);
      const echo = await expectHidAnswer(link, first, HidCommand.PING, "the first channel's PING completed undisturbed");
      check(sameBytes(echo.payload, TWO_PACKET_PING), 'the 100 bytes echoed', () => `${echo.payload.length} other bytes`);
      await link.sendMessage(second, HidCommand.PING, Uint8Array.of(9));
      await expectHidAnswer(link, second, HidCommand.PING, "the second channel's retry answered");
    },
  }),
  defineCase({
    id: 'HID-20',
    group: 'hid',
    title: 'A request whose next packet is over 500 ms late is answered MSG_TIMEOUT within 100 ms; 300 ms is in time',
    spec: '§1.12, §1.11 rule 2',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      const other = await link.allocate();
      // Another channel's request is refused while this one is received: the answer shows the key has the packet.
      const synchronize = async (): Promise<void> => {
        await link.sendMessage(other, HidCommand.PING, Uint8Array.of(1));
        await expectHidError(link, other, HidError.CHANNEL_BUSY, 'another channel while a request is received');
      };
      const sentAt = await link.send([firstPacket(cid)]);
      await expectTimeoutError(ctx, sentAt, {
        synchronize,
        error: `ERROR ${hidErrorName(HidError.MSG_TIMEOUT)}`,
        limitMs: HID_PACKET_TIMEOUT_MS,
        read: (waitMs) => link.readMessage(cid, waitMs),
        isError: (message) => message?.cmd === HidCommand.ERROR && message.payload[0] === HidError.MSG_TIMEOUT,
        describe: describeMessage,
      });
      await link.send([secondPacket(cid)]);
      await expectHidSilence(link, cid, 'the rest of a timed-out request is spurious');
      await link.send([firstPacket(cid)]);
      if (ctx.virtualTime) await synchronize();
      await ctx.passTime(300);
      await link.send([secondPacket(cid)]);
      const echo = await expectHidAnswer(link, cid, HidCommand.PING, 'PING answered when its packets are 300 ms apart');
      checkEqual(echo.payload.length, TWO_PACKET_PING.length, 'echoed length');
    },
  }),
];
