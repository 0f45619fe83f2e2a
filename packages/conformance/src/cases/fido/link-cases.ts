/**
 * The security key's transport (docs/protocol.md §9): on CTAPHID (CTAP 2.1 §11.2) INIT capabilities and CBOR and
 * MSG each answered on its own command; on any CTAP link KEEPALIVE UP_NEEDED while the key waits for its button
 * and CANCEL ending the wait. The FIDO BLE service's own rules are in ble-service-cases.ts.
 */
import {
  CtapCommand,
  CtapStatus,
  HID_BROADCAST_CID,
  HidCapability,
  HidCommand,
  HidError,
  U2fStatusWord,
  decodeHidInitResponse,
  encodeHidInitRequest,
} from '@hkey/protocol';
import { byteName, check, fail, sameBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { describeMessage } from '../../hid/raw-hid-link.js';
import { expectHidAnswer, expectHidError } from '../hid/checks.js';
import { ANSWER_MS, CANCEL_ANSWER_MS } from '../support/timing.js';
import { KeepaliveStatus } from './ctap-link.js';
import { FidoChannel, ctapRequest, ctapStatusText } from './fido-channel.js';
import { CtaphidLink } from './ctaphid-link.js';
import { makeCredentialParams, randomBytes, runRpId } from './requests.js';

const needs = ['hid-port'] as const;
const onAnyLink = ['ctap-link', 'presence'] as const;
const U2F_VERSION_APDU = Uint8Array.of(0x00, 0x03, 0x00, 0x00);

export const linkCases = [
  defineCase({
    id: 'FIDO-01',
    group: 'fido',
    title: 'INIT announces CBOR (capability 0x04) and not NMSG (0x08): the key speaks CTAP2 and U2F',
    spec: '§9, CTAP 2.1 §11.2.9.1.3',
    needs,
    async run(ctx) {
      const link = await ctx.hid();
      const nonce = randomBytes(8);
      await link.sendMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(nonce));
      const message = await link.readMessage(HID_BROADCAST_CID, ANSWER_MS);
      if (message?.cmd !== HidCommand.INIT) fail('an INIT response on the broadcast CID', describeMessage(message));
      const init = decodeHidInitResponse(message.payload);
      if (init === undefined || !sameBytes(init.nonce, nonce)) fail('a 17-byte INIT response echoing the nonce', `${message.payload.length} bytes`);
      check((init.capabilities & HidCapability.CBOR) !== 0, 'capability CBOR (0x04) set', () => `capabilities ${byteName(init.capabilities)}`);
      check(
        (init.capabilities & HidCapability.NMSG) === 0,
        'capability NMSG (0x08) clear: the key answers U2F in MSG',
        () => `capabilities ${byteName(init.capabilities)}`,
      );
    },
  }),
  defineCase({
    id: 'FIDO-02',
    group: 'fido',
    title: 'CBOR without a command byte is answered ERROR INVALID_LEN; CBOR and MSG are answered on their own command',
    spec: '§9, CTAP 2.1 §11.2.9.1.1, §11.2.9.1.2',
    needs,
    async run(ctx) {
      const { hid, cid } = await CtaphidLink.open(await ctx.hid());
      const channel = FidoChannel.over(ctx, new CtaphidLink(hid, cid));
      await hid.sendMessage(cid, HidCommand.CBOR, new Uint8Array(0));
      await expectHidError(hid, cid, HidError.INVALID_LEN, 'CBOR with an empty payload');
      await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo in CBOR');
      const version = await channel.u2f(U2F_VERSION_APDU);
      check(version.statusWord === U2fStatusWord.NO_ERROR, 'U2F VERSION in MSG answered 9000', () => version.statusWord.toString(16));
      await hid.sendMessage(cid, HidCommand.PING, Uint8Array.of(1, 2, 3));
      await expectHidAnswer(hid, cid, HidCommand.PING, 'PING still echoed between security-key requests');
    },
  }),
  defineCase({
    id: 'FIDO-03',
    group: 'fido',
    title: 'While MakeCredential waits for the button the key sends KEEPALIVE UP_NEEDED (2); a press completes it',
    spec: '§2.6, §9, CTAP 2.1 §11.2.9.1.7, §11.4, §6.1.2',
    needs: onAnyLink,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const answer = await channel.call(CtapCommand.MakeCredential, makeCredentialParams({ rpId: runRpId(ctx, 'keepalive') }), { presence: { kind: 'press' } });
      const statuses = answer.keepalives;
      check(statuses.includes(KeepaliveStatus.UP_NEEDED), `KEEPALIVE with status UP_NEEDED (2) on ${channel.link.name} before the press`, () =>
        statuses.length === 0 ? 'no KEEPALIVE' : `statuses ${statuses.join(', ')}`,
      );
      check(
        statuses.every((status) => status === KeepaliveStatus.PROCESSING || status === KeepaliveStatus.UP_NEEDED),
        'KEEPALIVE status 1 or 2',
        () => statuses.join(', '),
      );
      check(answer.status === CtapStatus.OK, 'MakeCredential OK after the press', () => ctapStatusText(answer.status));
    },
  }),
  defineCase({
    id: 'FIDO-04',
    group: 'fido',
    title: 'CANCEL while MakeCredential waits for the button: the request answers KEEPALIVE_CANCEL (0x2D) within 100 ms',
    spec: '§2.7, §9, CTAP 2.1 §11.2.9.1.5, §11.4, §8.2',
    needs: onAnyLink,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      await channel.untilUpNeeded(ctapRequest(CtapCommand.MakeCredential, makeCredentialParams({ rpId: runRpId(ctx, 'cancel') })));
      await ctx.controller.answerPresence({ kind: 'ignore' });
      const cancelledAt = await channel.cancel();
      const answer = await channel.answer({ presence: { kind: 'ignore' } });
      check(answer.status === CtapStatus.KEEPALIVE_CANCEL, `the cancelled request answered ${ctapStatusText(CtapStatus.KEEPALIVE_CANCEL)}`, () =>
        ctapStatusText(answer.status),
      );
      const limit = CANCEL_ANSWER_MS + ctx.toleranceMs;
      const after = Math.round(answer.at - cancelledAt);
      check(after <= limit, `the answer within 100 ms of the CANCEL (${limit} ms with the tolerance)`, () => `after ${after} ms`);
    },
  }),
];
