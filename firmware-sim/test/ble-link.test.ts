/** The BLE link endpoint driven by a hand-made GATT-over-TCP client (docs/protocol.md §2, §8.2). */
import { type Socket, connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  BleCommand,
  BleLinkFrameReader,
  BleLinkOp,
  BleReassembler,
  decodeAdvertisements,
  encodeBleLinkFrame,
  encodeBleMessage,
  encodeRequest,
} from '@hkey/protocol';
import { Simulator } from '@hkey/firmware-sim/node';

let simulator: Simulator;
let socket: Socket;
let frames: { op: number; data: Uint8Array }[];
let wake: (() => void) | undefined;

beforeEach(async () => {
  simulator = await Simulator.start({ udpPort: 0, blePort: 0, devices: 2 });
  socket = connect(simulator.bleLink!.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const reader = new BleLinkFrameReader();
  frames = [];
  socket.on('data', (chunk) => {
    frames.push(...reader.push(new Uint8Array(chunk)));
    wake?.();
  });
});

afterEach(async () => {
  socket.destroy();
  await simulator.close();
});

const op = (code: number, data?: Uint8Array) => socket.write(encodeBleLinkFrame(code, data));

async function next(timeoutMs = 3000): Promise<{ op: number; data: Uint8Array }> {
  const deadline = Date.now() + timeoutMs;
  while (frames.length === 0) {
    if (Date.now() > deadline) throw new Error('no frame from the key');
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 50);
    });
  }
  return frames.shift()!;
}

async function connected(mtu: number): Promise<number> {
  op(BleLinkOp.CONNECT, new TextEncoder().encode('HK-SIM-000001'));
  expect(await next()).toEqual({ op: BleLinkOp.CONNECTED, data: Uint8Array.of(0, 23) });
  op(BleLinkOp.EXCHANGE_MTU, Uint8Array.of(mtu >> 8, mtu & 0xff));
  const negotiated = await next();
  expect(negotiated.op).toBe(BleLinkOp.MTU);
  op(BleLinkOp.SUBSCRIBE, Uint8Array.of(1));
  expect((await next()).op).toBe(BleLinkOp.SUBSCRIBED);
  return (negotiated.data[0]! << 8) | negotiated.data[1]!;
}

/** Sends one message as control point writes and reassembles the notified answer (skipping keepalives). */
async function exchange(cmd: number, payload: Uint8Array, fragmentSize: number, keepalives: number[] = []) {
  for (const fragment of encodeBleMessage(cmd, payload, fragmentSize)) op(BleLinkOp.WRITE_COMMAND, fragment);
  const reassembler = new BleReassembler();
  for (;;) {
    const frame = await next(35_000);
    expect(frame.op).toBe(BleLinkOp.NOTIFY);
    expect(frame.data.length).toBeLessThanOrEqual(fragmentSize);
    const result = reassembler.feed(frame.data, Date.now());
    if (result?.type === 'message' && result.cmd === BleCommand.KEEPALIVE) {
      keepalives.push(result.payload[0]!);
      continue;
    }
    if (result !== undefined) return result;
  }
}

describe('BLE link (docs/protocol.md §8.2)', () => {
  test('scan lists every key; operations before CONNECT are refused', async () => {
    op(BleLinkOp.SCAN);
    const ads = await next();
    expect(decodeAdvertisements(ads.data)).toEqual(['HK-SIM-000001', 'HK-SIM-000002']);
    op(BleLinkOp.SUBSCRIBE, Uint8Array.of(1));
    expect(await next()).toMatchObject({ op: BleLinkOp.ERROR, data: expect.objectContaining({ 0: 0x02 }) });
  });

  test('MTU negotiation, control point length, and a PING that wraps the sequence at MTU 23', async () => {
    expect(await connected(23)).toBe(23);
    op(BleLinkOp.READ, Uint8Array.of(1));
    expect(await next()).toEqual({ op: BleLinkOp.VALUE, data: Uint8Array.of(1, 0x01, 0xfd) });
    const data = Uint8Array.from({ length: 7609 }, (_, i) => (i * 13) & 0xff);
    const echo = await exchange(BleCommand.PING, data, 20);
    expect(echo).toMatchObject({ type: 'message', cmd: BleCommand.PING });
    expect(Buffer.from((echo as { payload: Uint8Array }).payload).equals(Buffer.from(data))).toBe(true);
  });

  test('a write longer than the fragment size is refused', async () => {
    await connected(23);
    op(BleLinkOp.WRITE_COMMAND, new Uint8Array(21).fill(0x81));
    expect((await next()).data[0]).toBe(0x04);
  });

  test('HKP over MSG at MTU 185, keepalives while the button is awaited, CANCEL', async () => {
    expect(await connected(185)).toBe(185);
    const info = await exchange(BleCommand.MSG, encodeRequest('GetInfo', {}), 182);
    expect((info as { payload: Uint8Array }).payload[0]).toBe(0);
    simulator.devices[0]!.setPresencePolicy('button');
    await exchange(BleCommand.MSG, encodeRequest('AccountCreate', { name: 'p', password: 'x' }), 182);
    const keepalives: number[] = [];
    const pending = exchange(BleCommand.MSG, encodeRequest('GetPassword', { id: 1 }), 182, keepalives);
    await simulator.devices[0]!.key.events.waitFor((event) => event.type === 'presence' && event.state === 'waiting', { afterSeq: 0 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    for (const fragment of encodeBleMessage(BleCommand.CANCEL, new Uint8Array(0), 182)) op(BleLinkOp.WRITE_COMMAND, fragment);
    const result = await pending;
    expect(result).toMatchObject({ type: 'message', cmd: BleCommand.MSG });
    expect(Array.from((result as { payload: Uint8Array }).payload)).toEqual([0x43]);
    expect(keepalives.length).toBeGreaterThanOrEqual(2);
    expect(keepalives).toContain(2);
  });

  test('the key changes the MTU and drops the link on request', async () => {
    await connected(247);
    simulator.devices[0]!.ble.changeMtu(23);
    expect(await next()).toEqual({ op: BleLinkOp.MTU_CHANGED, data: Uint8Array.of(0, 23) });
    const echo = await exchange(BleCommand.PING, new Uint8Array(100).fill(7), 20);
    expect(echo).toMatchObject({ type: 'message' });
    simulator.devices[0]!.disconnect();
    expect((await next()).op).toBe(BleLinkOp.DISCONNECTED);
  });

  test('BLE and HID sessions are isolated', async () => {
    await connected(185);
    const device = simulator.devices[0]!;
    const hid = device.key.openSession('hid');
    await hid.handle(encodeRequest('SetPin', { pin: '1234' }));
    const listed = await exchange(BleCommand.MSG, encodeRequest('AccountList', {}), 182);
    expect(Array.from((listed as { payload: Uint8Array }).payload)).toEqual([0x30]);
  });
});
