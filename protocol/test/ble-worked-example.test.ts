import { expect, test } from 'vitest';
import { BleCommand, BleReassembler, bleFragmentSize, decodeControlPointLength, encodeBleMessage, HKP_SERVICE_REVISION } from '../src/ble/index.js';
import { counting, hex, toHex } from './framing-helpers.js';

// The exchange of docs/protocol.md §2.11, byte for byte.
const size = bleFragmentSize(23, 512);
const fragments = (cmd: number, payload: Uint8Array): string[] => encodeBleMessage(cmd, payload, size).map(toHex);

test('§2.11 step 1: characteristic values and fragment size', () => {
  expect(decodeControlPointLength(hex('0200'))).toBe(512);
  expect(toHex(new TextEncoder().encode(HKP_SERVICE_REVISION))).toBe('312e30');
  expect(size).toBe(20);
});

test('§2.11 step 2: GetOtp with KEEPALIVE UP_NEEDED', () => {
  expect(fragments(BleCommand.MSG, hex('20a1011902 01'))).toEqual(['83000620a101190201']);
  expect(fragments(BleCommand.KEEPALIVE, hex('02'))).toEqual(['82000102']);
  const response = hex('00a2016631323334353602 1a6553f10a');
  expect(fragments(BleCommand.MSG, response)).toEqual(['83001000a20166313233343536021a6553f10a']);
  expect(new BleReassembler().feed(hex('83001000a20166313233343536021a6553f10a'), 0)).toEqual({ type: 'message', cmd: BleCommand.MSG, payload: response });
});

test('§2.11 step 3: a 40-byte PING takes three fragments', () => {
  expect(fragments(BleCommand.PING, counting(40))).toEqual(['810028' + toHex(counting(17)), '00' + toHex(counting(19, 17)), '0124252627']);
});

test('§2.11 step 4: CANCEL is answered through the cancelled request', () => {
  expect(fragments(BleCommand.MSG, hex('21a101190201'))).toEqual(['83000621a101190201']);
  expect(fragments(BleCommand.CANCEL, new Uint8Array(0))).toEqual(['be0000']);
  expect(fragments(BleCommand.MSG, hex('43'))).toEqual(['83000143']);
});
