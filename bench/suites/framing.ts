/** HID and BLE framing: encode a message and reassemble it, against @ledgerhq/devices' hid-framing. */
import { createRequire } from 'node:module';
import { BleCommand, BleReassembler, HidCommand, HidResponseReader, bleFragmentSize, encodeBleMessage, encodeHidMessage } from '@hkey/protocol';
import type { Comparison } from '../harness.js';

const CID = 0x01020304;

interface LedgerFraming {
  makeBlocks(apdu: Buffer): Uint8Array[];
  reduceResponse(acc: unknown, chunk: Buffer): unknown;
  getReducedResult(acc: unknown): Buffer | null | undefined;
}
// The reference is CommonJS; loading it through require keeps its default export callable under NodeNext types.
const createHIDframing = (
  createRequire(import.meta.url)('@ledgerhq/devices/lib/hid-framing') as { default: (channel: number, packetSize: number) => LedgerFraming }
).default;

function payload(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
}

function ledgerRoundTrip(packetSize: number, message: Buffer) {
  const framing = createHIDframing(0x0101, packetSize);
  return () => {
    let acc: unknown = null;
    for (const block of framing.makeBlocks(message)) acc = framing.reduceResponse(acc, Buffer.from(block.buffer, block.byteOffset, block.byteLength));
    return framing.getReducedResult(acc);
  };
}

function hidRoundTrip(message: Uint8Array) {
  const reader = new HidResponseReader(CID);
  return () => {
    let result;
    for (const report of encodeHidMessage(CID, HidCommand.HKP_MSG, message)) result = reader.feed(report);
    return result;
  };
}

function bleRoundTrip(message: Uint8Array, fragmentSize: number) {
  const reassembler = new BleReassembler();
  return () => {
    let result;
    for (const fragment of encodeBleMessage(BleCommand.MSG, message, fragmentSize)) result = reassembler.feed(fragment, 0);
    return result;
  };
}

export function framingComparisons(): Comparison[] {
  const hid = [
    ['64 B', 64, undefined],
    ['1 KB', 1024, 2],
    ['7 KB', 7168, 2],
  ] as const;
  const ble = [
    ['MTU 23 (20 B fragments), 1 KB', 23, 1024],
    ['MTU 185 (182 B fragments), 1 KB', 185, 1024],
    ['MTU 23 (20 B fragments), 7 KB', 23, 7168],
  ] as const;
  return [
    ...hid.map(([label, size, target]) => ({
      benchmark: `HID framing encode+reassemble ${label}`,
      subject: { name: 'encodeHidMessage + HidResponseReader', run: hidRoundTrip(payload(size)) },
      reference: { name: 'ledger hid-framing (64 B packets)', run: ledgerRoundTrip(64, Buffer.from(payload(size))) },
      target,
    })),
    ...ble.map(([label, mtu, size]) => {
      const fragmentSize = bleFragmentSize(mtu, 512);
      return {
        benchmark: `BLE framing ${label}`,
        subject: { name: 'encodeBleMessage + BleReassembler', run: bleRoundTrip(payload(size), fragmentSize) },
        reference: { name: `ledger hid-framing (${fragmentSize} B packets)`, run: ledgerRoundTrip(fragmentSize, Buffer.from(payload(size))) },
        target: 2,
      };
    }),
  ];
}
