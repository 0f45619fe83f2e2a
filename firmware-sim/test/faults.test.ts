import { describe, expect, test } from 'vitest';
import { HID_BROADCAST_CID, HidCommand, HidResponseReader, encodeHidInitRequest, encodeHidMessage, decodeHidInitResponse } from '@hkey/protocol';
import { HidEndpoint, ManualClock, VirtualKey, seededRandom } from '@hkey/firmware-sim';

async function rig(seed = 1) {
  const clock = new ManualClock(0);
  const key = await VirtualKey.start({ clock, random: seededRandom(3), faultSeed: seed });
  const endpoint = new HidEndpoint<string>(key);
  const sent: Uint8Array[] = [];
  endpoint.attach((report) => sent.push(report));
  const feed = (cid: number, cmd: number, payload: Uint8Array) => encodeHidMessage(cid, cmd, payload).forEach((report) => endpoint.receive(report, 'host'));
  feed(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(new Uint8Array(8).fill(9)));
  const init = new HidResponseReader(HID_BROADCAST_CID).feed(sent.shift() as Uint8Array);
  const cid = decodeHidInitResponse((init as { payload: Uint8Array }).payload)!.cid;
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, key, sent, feed, cid, settle };
}

const ping = (size: number) => Uint8Array.from({ length: size }, (_, i) => i & 0xff);

describe('packet faults (firmware-sim link faults)', () => {
  test('drop: a dropped request packet gets no answer; the fault is logged', async () => {
    const r = await rig();
    r.key.linkFaults.add({ kind: 'drop', direction: 'in', count: 1 });
    r.feed(r.cid, HidCommand.PING, ping(10));
    expect(r.sent).toHaveLength(0);
    r.feed(r.cid, HidCommand.PING, ping(10));
    expect(r.sent).toHaveLength(1);
    expect(r.key.events.since(0).some((e) => e.type === 'fault' && e.fault === 'drop')).toBe(true);
  });

  test('drop of a continuation packet ends in MSG_TIMEOUT', async () => {
    const r = await rig();
    r.key.linkFaults.add({ kind: 'drop', direction: 'in', skip: 1, count: 1 });
    r.feed(r.cid, HidCommand.PING, ping(100));
    expect(r.sent).toHaveLength(0);
    r.clock.advance(1000);
    const reader = new HidResponseReader(r.cid);
    expect(reader.feed(r.sent[0] as Uint8Array)).toEqual({ type: 'error', code: 0x05 });
  });

  test('duplicate and reorder of response packets', async () => {
    const r = await rig();
    r.key.linkFaults.add({ kind: 'duplicate', direction: 'out', count: 1 });
    r.feed(r.cid, HidCommand.PING, ping(100));
    expect(r.sent).toHaveLength(3);
    expect(r.sent[0]).toEqual(r.sent[1]);
    r.sent.length = 0;
    r.key.linkFaults.add({ kind: 'reorder', direction: 'out', count: 1 });
    r.feed(r.cid, HidCommand.PING, ping(100));
    expect(r.sent.map((report) => report[4])).toEqual([0x00, 0x81]);
  });

  test('corrupt is reproducible from the seed', async () => {
    const corrupted = async (seed: number) => {
      const r = await rig(seed);
      r.key.linkFaults.add({ kind: 'corrupt', direction: 'out', count: 1 });
      r.feed(r.cid, HidCommand.PING, ping(40));
      return Buffer.from(r.sent[0] as Uint8Array).toString('hex');
    };
    expect(await corrupted(42)).toBe(await corrupted(42));
    const clean = Buffer.from(encodeHidMessage(1, HidCommand.PING, ping(40))[0] as Uint8Array);
    expect(await corrupted(42)).not.toBe(clean.toString('hex'));
  });

  test('delay holds a packet on the device clock', async () => {
    const r = await rig();
    r.key.linkFaults.add({ kind: 'delay', direction: 'out', delayMs: 200, count: 1 });
    r.feed(r.cid, HidCommand.PING, ping(4));
    expect(r.sent).toHaveLength(0);
    r.clock.advance(199);
    expect(r.sent).toHaveLength(0);
    r.clock.advance(1);
    expect(r.sent).toHaveLength(1);
  });

  test('disconnect mid-message forgets the channel (re-enumeration)', async () => {
    const r = await rig();
    r.key.linkFaults.add({ kind: 'disconnect', direction: 'in', skip: 1, count: 1 });
    r.feed(r.cid, HidCommand.PING, ping(100));
    r.feed(r.cid, HidCommand.PING, ping(4));
    expect(new HidResponseReader(r.cid).feed(r.sent.at(-1) as Uint8Array)).toEqual({ type: 'error', code: 0x0b });
  });

  test('busy: the next HKP message answers CHANNEL_BUSY', async () => {
    const r = await rig();
    r.key.linkFaults.busyReplies = 1;
    r.feed(r.cid, HidCommand.HKP_MSG, Uint8Array.of(0x01));
    expect(new HidResponseReader(r.cid).feed(r.sent.shift() as Uint8Array)).toEqual({ type: 'error', code: 0x06 });
    r.feed(r.cid, HidCommand.HKP_MSG, Uint8Array.of(0x01));
    await r.settle();
    const reader = new HidResponseReader(r.cid);
    const reply = r.sent.map((report) => reader.feed(report)).find((event) => event !== undefined);
    expect(reply).toMatchObject({ type: 'message', cmd: HidCommand.HKP_MSG });
  });
});
