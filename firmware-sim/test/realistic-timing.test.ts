/** Realistic timing mode: a 7609-byte message takes what the physical transport would (docs/scaling.md). */
import { describe, expect, test } from 'vitest';
import {
  BleCommand,
  BleReassembler,
  HID_BROADCAST_CID,
  HidCommand,
  HidResponseReader,
  bleFragmentCount,
  decodeHidInitResponse,
  encodeBleMessage,
  encodeHidInitRequest,
  encodeHidMessage,
  hidPacketCount,
} from '@hkey/protocol';
import { BleEndpoint, HidEndpoint, ManualClock, REALISTIC_TIMING, VirtualKey } from '@hkey/firmware-sim';

const MESSAGE = Uint8Array.from({ length: 7609 }, (_, i) => i & 0xff);

describe('realistic timing', () => {
  test('HID: one report per millisecond each way, so a 7609-byte PING (129 reports) takes 2 x 129 ms', async () => {
    const clock = new ManualClock(0);
    const key = await VirtualKey.start({ clock });
    const endpoint = new HidEndpoint<string>(key, { reportIntervalMs: REALISTIC_TIMING.hidReportIntervalMs, packetTimeoutMs: 10_000 });
    const received: { at: number; report: Uint8Array }[] = [];
    endpoint.attach((report) => received.push({ at: clock.now(), report }));
    encodeHidMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(new Uint8Array(8))).forEach((r) => endpoint.receive(r, 'host'));
    clock.advance(10);
    const init = new HidResponseReader(HID_BROADCAST_CID).feed(received.shift()!.report) as { payload: Uint8Array };
    const cid = decodeHidInitResponse(init.payload)!.cid;
    const sentAt = clock.now();
    encodeHidMessage(cid, HidCommand.PING, MESSAGE).forEach((r) => endpoint.receive(r, 'host'));
    clock.advance(1000);
    const packets = hidPacketCount(MESSAGE.length);
    expect(packets).toBe(129);
    expect(received).toHaveLength(packets);
    const reader = new HidResponseReader(cid);
    const result = received.map(({ report }) => reader.feed(report)).find((event) => event !== undefined);
    expect(result).toMatchObject({ type: 'message', cmd: HidCommand.PING });
    // Each report takes 1 ms to cross: the request's 129 reports arrive by 129 ms, the reply's by 258 ms.
    expect(received[0]!.at - sentAt).toBe(packets + 1);
    expect(received.at(-1)!.at - sentAt).toBe(2 * packets);
  });

  test('BLE: 20-byte fragments once per connection interval', async () => {
    const clock = new ManualClock(0);
    const key = await VirtualKey.start({ clock });
    const endpoint = new BleEndpoint(key, { connectionIntervalMs: REALISTIC_TIMING.bleConnectionIntervalMs, maxMtu: 23, fragmentTimeoutMs: 60_000 });
    const notified: { at: number; value: Uint8Array }[] = [];
    const connection = endpoint.connect({
      notify: (value) => notified.push({ at: clock.now(), value }),
      mtuChanged: () => undefined,
      disconnected: () => undefined,
    });
    expect(connection.exchangeMtu(247)).toBe(23);
    connection.subscribe(true);
    const fragments = encodeBleMessage(BleCommand.PING, MESSAGE, connection.fragmentSize);
    expect(fragments).toHaveLength(bleFragmentCount(MESSAGE.length, 20));
    fragments.forEach((fragment) => connection.write(fragment));
    clock.advance(60_000);
    const reassembler = new BleReassembler();
    const result = notified.map(({ value }) => reassembler.feed(value, 0)).find((event) => event !== undefined);
    expect(result).toMatchObject({ type: 'message', cmd: BleCommand.PING });
    const interval = REALISTIC_TIMING.bleConnectionIntervalMs;
    expect(notified.at(-1)!.at).toBe(2 * fragments.length * interval);
  });
});
