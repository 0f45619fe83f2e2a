/** How the key receives fragments (§2.5, §2.9) and times them out (§2.10). */
import { BLE_MAX_MESSAGE_SIZE, BleCommand, BleError, Status } from '@hkey/protocol';
import { check, describeBytes, patternBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { describeBleMessage } from '../../ble/raw-ble-link.js';
import { bleAtMtu, bleErrorName, expectBleAnswer, expectBleError, expectBleSilence } from './checks.js';
import { BLE_FRAGMENT_TIMEOUT_MS } from '../support/timing.js';
import { expectTimeoutError } from '../support/timeout-error.js';

const needs = ['ble-link'] as const;
/** A 40-byte PING at fragment size 20: 17 bytes, then 19, then 4 (the worked example of §2.11). */
const PING_40 = patternBytes(40);
const ping40 = (): Uint8Array[] => [
  Uint8Array.of(BleCommand.PING, 0, 40, ...PING_40.subarray(0, 17)),
  Uint8Array.of(0, ...PING_40.subarray(17, 36)),
  Uint8Array.of(1, ...PING_40.subarray(36)),
];

export const bleReceiveRuleCases = [
  defineCase({
    id: 'BLE-08',
    group: 'ble',
    title: 'Command bytes other than PING, MSG and CANCEL (host KEEPALIVE and ERROR included) are answered INVALID_CMD',
    spec: '§2.5, §2.8',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      for (const cmd of [BleCommand.KEEPALIVE, BleCommand.ERROR, 0x80, 0x84, 0x90, 0xbd, 0xff]) {
        await raw.send([Uint8Array.of(cmd, 0, 0)]);
        await expectBleError(raw, BleError.INVALID_CMD, `command 0x${cmd.toString(16)}`);
      }
    },
  }),
  defineCase({
    id: 'BLE-09',
    group: 'ble',
    title: 'An empty MSG is answered MSG 03 (INVALID_LENGTH)',
    spec: '§2.5, §3.6',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      await raw.send([Uint8Array.of(BleCommand.MSG, 0, 0)]);
      const answer = await expectBleAnswer(raw, BleCommand.MSG, 'MSG with the status INVALID_LENGTH');
      check(answer.payload.length === 1 && answer.payload[0] === Status.INVALID_LENGTH, 'the single byte 03', () => describeBytes(answer.payload));
    },
  }),
  defineCase({
    id: 'BLE-10',
    group: 'ble',
    title: 'A continuation with the wrong SEQ is answered INVALID_SEQ; an init fragment mid-message too',
    spec: '§2.9 rules 2 and 3',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      const [first, second, third] = ping40() as [Uint8Array, Uint8Array, Uint8Array];
      await raw.send([first, third]);
      await expectBleError(raw, BleError.INVALID_SEQ, 'SEQ 1 where 0 was due');
      await raw.send([first, Uint8Array.of(BleCommand.PING, 0, 1, 7)]);
      await expectBleError(raw, BleError.INVALID_SEQ, 'a PING initialization fragment while a message is being received');
      await raw.send([second]);
      await expectBleSilence(raw, 'a continuation with no message being received is ignored');
      await raw.send(ping40());
      await expectBleAnswer(raw, BleCommand.PING, 'the 40-byte PING answered afterwards');
    },
  }),
  defineCase({
    id: 'BLE-11',
    group: 'ble',
    title: 'Short headers, lengths above 7609 and fragments carrying more than the message are answered INVALID_LEN',
    spec: '§2.9 rules 2, 4 and 5',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      await raw.send([Uint8Array.of(BleCommand.PING, 0)]);
      await expectBleError(raw, BleError.INVALID_LEN, 'an initialization fragment of 2 bytes');
      const over = BLE_MAX_MESSAGE_SIZE + 1;
      await raw.send([Uint8Array.of(BleCommand.PING, over >> 8, over & 0xff, 1)]);
      await expectBleError(raw, BleError.INVALID_LEN, `a declared length of ${over}`);
      await raw.send([Uint8Array.of(BleCommand.PING, 0, 2, 1, 2, 3)]);
      await expectBleError(raw, BleError.INVALID_LEN, 'an initialization fragment with 3 bytes for a 2-byte message');
      const [first] = ping40() as [Uint8Array];
      await raw.send([first, Uint8Array.of(0, ...patternBytes(19)), Uint8Array.of(1, ...patternBytes(5))]);
      await expectBleError(raw, BleError.INVALID_LEN, 'a last continuation with 5 bytes where 4 were left');
      await raw.send([Uint8Array.of(BleCommand.CANCEL, 0)]);
      await expectBleSilence(raw, 'a malformed CANCEL is dropped, never answered (§2.7)');
    },
  }),
  defineCase({
    id: 'BLE-12',
    group: 'ble',
    title: 'A message whose next fragment is over 2000 ms late is answered REQ_TIMEOUT within 100 ms',
    spec: '§2.10, §2.9',
    needs,
    async run(ctx) {
      const raw = await bleAtMtu(ctx, 23);
      const [first, second, third] = ping40() as [Uint8Array, Uint8Array, Uint8Array];
      const sentAt = await raw.send([first]);
      await expectTimeoutError(ctx, sentAt, {
        error: `ERROR ${bleErrorName(BleError.REQ_TIMEOUT)}`,
        limitMs: BLE_FRAGMENT_TIMEOUT_MS,
        read: (waitMs) => raw.readMessage(waitMs),
        isError: (message) => message?.cmd === BleCommand.ERROR && message.payload[0] === BleError.REQ_TIMEOUT,
        describe: describeBleMessage,
      });
      await raw.send([second, third]);
      await expectBleSilence(raw, 'the rest of a timed-out message is ignored');
    },
  }),
];
