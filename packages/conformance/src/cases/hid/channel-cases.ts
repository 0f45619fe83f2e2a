/** Channel allocation and the channel rules: INIT (§1.6) and which CIDs the key accepts (§1.4, §1.11). */
import {
  HID_BROADCAST_CID,
  HID_INIT_RESPONSE_SIZE,
  HID_PROTOCOL_VERSION,
  HID_RESERVED_CID,
  HidCapability,
  HidCommand,
  HidError,
  decodeHidInitResponse,
  encodeHidInitRequest,
} from '@hkey/protocol';
import { byteName, check, checkEqual, fail, sameBytes, toHex } from '../../checks.js';
import { defineCase } from '../../case.js';
import { cidName, initPacket } from '../../hid/hid-packets.js';
import { expectHidAnswer, expectHidError, expectHidSilence } from './checks.js';

const needs = ['hid-port'] as const;

export const channelCases = [
  defineCase({
    id: 'HID-01',
    group: 'hid',
    title: 'INIT on the broadcast CID echoes the nonce and allocates a channel',
    spec: '§1.4, §1.6',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const nonce = Uint8Array.of(0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8);
      await link.sendMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(nonce));
      const answer = await expectHidAnswer(link, HID_BROADCAST_CID, HidCommand.INIT, 'an INIT response on the broadcast CID');
      checkEqual(answer.payload.length, HID_INIT_RESPONSE_SIZE, 'INIT response length');
      const init = decodeHidInitResponse(answer.payload);
      if (init === undefined) fail('a 17-byte INIT response', `${answer.payload.length} bytes`);
      check(sameBytes(init.nonce, nonce), `the nonce ${toHex(nonce)} echoed`, () => toHex(init.nonce));
      check(init.cid !== HID_RESERVED_CID && init.cid !== HID_BROADCAST_CID, 'a CID other than 0 and 0xFFFFFFFF', () => cidName(init.cid));
      checkEqual(init.protocolVersion, HID_PROTOCOL_VERSION, 'CTAPHID protocol version');
      const flags = HidCapability.WINK | HidCapability.CBOR;
      check(
        (init.capabilities & flags) === flags && (init.capabilities & HidCapability.NMSG) === 0,
        'capabilities with WINK and CBOR set and NMSG clear (0x05)',
        () => byteName(init.capabilities),
      );
      // The new channel works: a PING on it is answered there.
      await link.sendMessage(init.cid, HidCommand.PING, Uint8Array.of(1, 2, 3));
      await expectHidAnswer(link, init.cid, HidCommand.PING, 'PING answered on the allocated channel');
    },
  }),
  defineCase({
    id: 'HID-02',
    group: 'hid',
    title: 'Each INIT on the broadcast CID gets its own channel; INIT on a channel keeps its CID',
    spec: '§1.4, §1.6',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const first = await link.allocate();
      const second = await link.allocate();
      check(first !== second, 'two different CIDs for two INITs', () => `${cidName(first)} twice`);
      const nonce = globalThis.crypto.getRandomValues(new Uint8Array(8));
      await link.sendMessage(first, HidCommand.INIT, encodeHidInitRequest(nonce));
      const answer = await expectHidAnswer(link, first, HidCommand.INIT, 'an INIT response on the channel itself');
      const init = decodeHidInitResponse(answer.payload);
      check(
        init !== undefined && sameBytes(init.nonce, nonce) && init.cid === first,
        `INIT on ${cidName(first)} answered with its nonce and the same CID`,
        () => (init === undefined ? `${answer.payload.length} bytes` : `CID ${cidName(init.cid)}, nonce ${toHex(init.nonce)}`),
      );
    },
  }),
  defineCase({
    id: 'HID-03',
    group: 'hid',
    title: 'INIT with a nonce that is not 8 bytes is answered INVALID_LEN',
    spec: '§1.6, §1.10',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      await link.send([initPacket(HID_BROADCAST_CID, HidCommand.INIT, 7, Uint8Array.of(1, 2, 3, 4, 5, 6, 7))]);
      await expectHidError(link, HID_BROADCAST_CID, HidError.INVALID_LEN, 'a 7-byte nonce');
      const cid = await link.allocate();
      await link.send([initPacket(cid, HidCommand.INIT, 9, new Uint8Array(9))]);
      await expectHidError(link, cid, HidError.INVALID_LEN, 'a 9-byte nonce');
    },
  }),
  defineCase({
    id: 'HID-04',
    group: 'hid',
    title: 'CID 0, commands other than INIT on the broadcast CID and unallocated CIDs are answered INVALID_CHANNEL',
    spec: '§1.4, §1.11 rules 3 and 4, §1.8',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      await link.send([initPacket(HID_RESERVED_CID, HidCommand.PING, 0)]);
      await expectHidError(link, HID_RESERVED_CID, HidError.INVALID_CHANNEL, 'PING on CID 0 (rule 3)');
      await link.send([initPacket(HID_BROADCAST_CID, HidCommand.PING, 0)]);
      await expectHidError(link, HID_BROADCAST_CID, HidError.INVALID_CHANNEL, 'PING on the broadcast CID (rule 4, the worked example of §1.14)');
      // A CID the key never handed out: allocate one, then use its neighbour unless that one was handed out too.
      const allocated = await link.allocate();
      const stranger = allocated === 0xfffffffe ? 0x00000001 : allocated + 1;
      await link.send([initPacket(stranger, HidCommand.PING, 0)]);
      await expectHidError(link, stranger, HidError.INVALID_CHANNEL, 'PING on a CID the key has not allocated (rule 4)');
      // §1.8: where a CANCEL would be refused, it is dropped instead.
      await link.send([initPacket(HID_RESERVED_CID, HidCommand.CANCEL, 0)]);
      await expectHidSilence(link, HID_RESERVED_CID, 'CANCEL is never answered, not even with ERROR');
    },
  }),
];
