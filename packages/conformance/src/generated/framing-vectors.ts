/**
 * Published framing vectors (docs/protocol.md §1.3, §2.4, §2.9): messages and the packets or fragments that
 * carry them, for implementers in other languages. Computed by the protocol package's encoders and receiver.
 */
import { BLE_MAX_CONTROL_POINT_LENGTH, BleCommand, BleReassembler, HidCommand, bleFragmentSize, encodeBleMessage, encodeHidMessage } from '@hkey/protocol';
import { patternBytes, toHex } from '../checks.js';

const HID_CID = 0x12345678;
/** Packet boundaries: empty, one byte, a full initialization packet, one byte more, two full packets, 17 and 129 packets. */
const HID_SIZES = [0, 1, 57, 58, 116, 117, 1000, 7609];
const BLE_MTUS = [23, 185, 247, 512];
const hex = (bytes: Uint8Array): string => toHex(bytes, '');

function hidVectors() {
  return HID_SIZES.map((length) => {
    const message = patternBytes(length);
    return {
      command: 'HKP_MSG',
      cmd: HidCommand.HKP_MSG,
      length,
      message: hex(message),
      packets: encodeHidMessage(HID_CID, HidCommand.HKP_MSG, message).map(hex),
    };
  });
}

function bleVectors() {
  return BLE_MTUS.flatMap((mtu) => {
    const fragmentSize = bleFragmentSize(mtu, BLE_MAX_CONTROL_POINT_LENGTH);
    const first = fragmentSize - 3;
    // Boundaries of this fragment size, and at ATT_MTU 23 the largest message, whose SEQ wraps three times.
    const sizes = [0, 1, first, first + 1, first + fragmentSize - 1, first + fragmentSize, 1000, ...(mtu === 23 ? [7609] : [])];
    return sizes.map((length) => {
      const message = patternBytes(length);
      return {
        mtu,
        controlPointLength: BLE_MAX_CONTROL_POINT_LENGTH,
        fragmentSize,
        command: 'MSG',
        cmd: BleCommand.MSG,
        length,
        message: hex(message),
        fragments: encodeBleMessage(BleCommand.MSG, message, fragmentSize).map(hex),
      };
    });
  });
}

/** Fragment sequences a receiver must refuse (§2.9), with the ERROR code, as the reference reassembler answers them. */
const BLE_RECEIVE_INPUTS: readonly { readonly why: string; readonly fragments: readonly string[] }[] = [
  {
    why: 'the 40-byte PING of §2.11 in three fragments',
    fragments: ['81 00 28 000102030405060708090a0b0c0d0e0f10', '00 1112131415161718191a1b1c1d1e1f20212223', '01 24252627'],
  },
  { why: 'a continuation with SEQ 1 where 0 is due', fragments: ['81 00 28 000102030405060708090a0b0c0d0e0f10', '01 1112131415161718191a1b1c1d1e1f20212223'] },
  { why: 'an initialization fragment while a message is being received', fragments: ['81 00 28 000102030405060708090a0b0c0d0e0f10', '81 00 01 07'] },
  { why: 'CANCEL while a message is being received drops it without an answer', fragments: ['81 00 28 000102030405060708090a0b0c0d0e0f10', 'be 00 00'] },
  { why: 'an initialization fragment shorter than 3 bytes', fragments: ['81 00'] },
  { why: 'a declared length above 7609', fragments: ['81 1d ba 00'] },
  { why: 'more data than the declared length', fragments: ['81 00 02 010203'] },
  {
    why: 'a last continuation carrying more than the message has left',
    fragments: ['81 00 28 000102030405060708090a0b0c0d0e0f10', '00 1112131415161718191a1b1c1d1e1f20212223', '01 2425262728'],
  },
  { why: 'a continuation with no message being received is ignored', fragments: ['00 0102'] },
  { why: 'an empty value is ignored', fragments: [''] },
];

function bleReceiveVectors() {
  return BLE_RECEIVE_INPUTS.map(({ why, fragments }) => {
    const reassembler = new BleReassembler();
    const results = fragments.map((fragment) => reassembler.feed(Uint8Array.from(Buffer.from(fragment.replace(/ /g, ''), 'hex')), 0));
    const outcome = results.find((result) => result !== undefined);
    return {
      why,
      fragments: fragments.map((fragment) => fragment.replace(/ /g, '')),
      result:
        outcome === undefined
          ? { type: 'nothing' }
          : outcome.type === 'error'
            ? { type: 'error', code: outcome.code }
            : { type: 'message', cmd: outcome.cmd, payload: hex(outcome.payload) },
    };
  });
}

export function framingVectors() {
  return {
    description:
      'HKP/1 framing: messages as HID packets (docs/protocol.md §1.3) and BLE fragments (§2.4), ' +
      'and what a BLE receiver makes of fragment sequences (§2.9). Messages are the bytes (7 * i + 3) mod 256.',
    hid: { cid: HID_CID.toString(16).padStart(8, '0'), vectors: hidVectors() },
    ble: { vectors: bleVectors() },
    bleReceive: { errorCodes: { INVALID_LEN: 3, INVALID_SEQ: 4 }, vectors: bleReceiveVectors() },
  };
}
