/** The CTAPHID commands beside HKP_MSG: message length, WINK, LOCK and the commands a key refuses (§1.5, §1.9, §1.11). */
import { HID_MAX_MESSAGE_SIZE, HidCommand, HidError, Status } from '@hkey/protocol';
import { byteName, check, checkEqual, describeBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { initPacket } from '../../hid/hid-packets.js';
import type { RawHidLink } from '../../hid/raw-hid-link.js';
import { expectHidAnswer, expectHidError } from './checks.js';

const needs = ['hid-port'] as const;

export const commandCases = [
  defineCase({
    id: 'HID-12',
    group: 'hid',
    title: 'A BCNT above 7609 is answered INVALID_LEN',
    spec: '§1.3, §1.11 rule 8',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      for (const bcnt of [HID_MAX_MESSAGE_SIZE + 1, 0xffff]) {
        await link.send([initPacket(cid, HidCommand.PING, bcnt)]);
        await expectHidError(link, cid, HidError.INVALID_LEN, `PING declaring ${bcnt} bytes`);
      }
    },
  }),
  defineCase({
    id: 'HID-13',
    group: 'hid',
    title: 'WINK is answered with an empty WINK; WINK with data is answered INVALID_LEN',
    spec: '§1.5, §1.6',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      await link.sendMessage(cid, HidCommand.WINK, new Uint8Array(0));
      const wink = await expectHidAnswer(link, cid, HidCommand.WINK, 'an empty WINK');
      checkEqual(wink.payload.length, 0, 'WINK response length');
      await link.sendMessage(cid, HidCommand.WINK, Uint8Array.of(1));
      await expectHidError(link, cid, HidError.INVALID_LEN, 'WINK with one byte of data');
    },
  }),
  defineCase({
    id: 'HID-14',
    group: 'hid',
    title: 'LOCK reserves the interface for one channel until released; bad LOCK requests are refused',
    spec: '§1.9, §1.11 rule 6',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const holder = await link.allocate();
      const other = await link.allocate();
      ctx.onCleanup(() => release(link, holder));
      await link.sendMessage(holder, HidCommand.LOCK, Uint8Array.of(3));
      const locked = await expectHidAnswer(link, holder, HidCommand.LOCK, 'an empty LOCK response');
      checkEqual(locked.payload.length, 0, 'LOCK response length');
      await link.sendMessage(other, HidCommand.PING, Uint8Array.of(1));
      await expectHidError(link, other, HidError.LOCK_REQUIRED, 'another channel while the lock is held');
      await link.sendMessage(holder, HidCommand.PING, Uint8Array.of(2));
      await expectHidAnswer(link, holder, HidCommand.PING, 'PING answered for the holder');
      await release(link, holder);
      await link.sendMessage(other, HidCommand.PING, Uint8Array.of(3));
      await expectHidAnswer(link, other, HidCommand.PING, 'PING answered for the other channel after LOCK 0');
      await link.sendMessage(holder, HidCommand.LOCK, Uint8Array.of(11));
      await expectHidError(link, holder, HidError.INVALID_PAR, 'LOCK for 11 seconds');
      await link.sendMessage(holder, HidCommand.LOCK, new Uint8Array(0));
      await expectHidError(link, holder, HidError.INVALID_LEN, 'LOCK without its byte');
    },
  }),
  defineCase({
    id: 'HID-15',
    group: 'hid',
    title: 'Host KEEPALIVE and ERROR and undefined commands are answered INVALID_CMD',
    spec: '§1.5, §1.10',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      const refused = [HidCommand.KEEPALIVE, HidCommand.ERROR, 0x00, 0x02, 0x40, 0x4f, 0x51, 0x7f];
      for (const cmd of refused) {
        await link.sendMessage(cid, cmd, new Uint8Array(0));
        await expectHidError(link, cid, HidError.INVALID_CMD, `command ${byteName(cmd)}`);
      }
    },
  }),
  defineCase({
    id: 'HID-16',
    group: 'hid',
    title: 'HKP_MSG without data is answered HKP_MSG 03 (INVALID_LENGTH)',
    spec: '§1.5, §3.6',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const cid = await link.allocate();
      await link.sendMessage(cid, HidCommand.HKP_MSG, new Uint8Array(0));
      const answer = await expectHidAnswer(link, cid, HidCommand.HKP_MSG, 'HKP_MSG with the status INVALID_LENGTH');
      check(answer.payload.length === 1 && answer.payload[0] === Status.INVALID_LENGTH, 'the single byte 03', () => describeBytes(answer.payload));
    },
  }),
];

async function release(link: RawHidLink, cid: number): Promise<void> {
  await link.sendMessage(cid, HidCommand.LOCK, Uint8Array.of(0));
  await expectHidAnswer(link, cid, HidCommand.LOCK, 'LOCK 0 answered');
}
