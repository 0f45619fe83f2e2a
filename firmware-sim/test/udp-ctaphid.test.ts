/**
 * Drives the UDP HID endpoint with a hand-made CTAPHID client (plain Buffers, no hkey framing code), the way
 * a FIDO library with a custom connection would (docs/protocol.md §1, §8.1).
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Simulator } from '@hkey/firmware-sim/node';

const BROADCAST = 0xffffffff;
let simulator: Simulator;
let socket: Socket;
let inbox: Buffer[];
let waiters: (() => void)[];

beforeEach(async () => {
  simulator = await Simulator.start({ udpPort: 0 });
  socket = createSocket('udp4');
  inbox = [];
  waiters = [];
  socket.on('message', (message) => {
    inbox.push(message);
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  socket.close();
  await simulator.close();
});

function send(report: Buffer): void {
  expect(report.length).toBe(64);
  socket.send(report, simulator.devices[0]!.udp.port, '127.0.0.1');
}

async function nextReport(timeoutMs = 2000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  while (inbox.length === 0) {
    if (Date.now() > deadline) throw new Error('no report from the key');
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 50);
    });
  }
  return inbox.shift() as Buffer;
}

function packets(cid: number, cmd: number, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const first = Buffer.alloc(64);
  first.writeUInt32BE(cid, 0);
  first[4] = 0x80 | cmd;
  first.writeUInt16BE(data.length, 5);
  data.copy(first, 7, 0, 57);
  out.push(first);
  for (let offset = 57, seq = 0; offset < data.length; offset += 59, seq++) {
    const next = Buffer.alloc(64);
    next.writeUInt32BE(cid, 0);
    next[4] = seq;
    data.copy(next, 5, offset, offset + 59);
    out.push(next);
  }
  return out;
}

/** Reads one whole message, returning keepalive statuses seen on the way. */
async function readMessage(cid: number, keepalives: number[] = []): Promise<{ cmd: number; data: Buffer }> {
  for (;;) {
    const first = await nextReport(35_000);
    expect(first.readUInt32BE(0)).toBe(cid);
    const cmd = first[4]! & 0x7f;
    const length = first.readUInt16BE(5);
    if (cmd === 0x3b) {
      keepalives.push(first[7]!);
      continue;
    }
    const data = Buffer.alloc(length);
    first.copy(data, 0, 7, 7 + Math.min(57, length));
    for (let offset = 57, seq = 0; offset < length; offset += 59, seq++) {
      const next = await nextReport();
      expect(next[4]).toBe(seq);
      next.copy(data, offset, 5, 5 + Math.min(59, length - offset));
    }
    return { cmd, data };
  }
}

async function init(): Promise<number> {
  const nonce = Buffer.from('0011223344556677', 'hex');
  packets(BROADCAST, 0x06, nonce).forEach(send);
  const { cmd, data } = await readMessage(BROADCAST);
  expect(cmd).toBe(0x06);
  expect(data.length).toBe(17);
  expect(data.subarray(0, 8)).toEqual(nonce);
  expect(data[12]).toBe(2); // CTAPHID protocol version
  expect(data[16]! & 0x04).toBe(4); // CBOR: the security-key mode (§9.3)
  expect(data[16]! & 0x08).toBe(0); // NMSG clear: U2F over MSG
  expect(data[16]! & 0x01).toBe(1); // WINK
  return data.readUInt32BE(8);
}

describe('UDP CTAPHID endpoint, hand-made client', () => {
  test('INIT allocates distinct channels; PING echoes up to 7609 bytes', async () => {
    const cid = await init();
    const other = await init();
    expect(cid).not.toBe(other);
    for (const size of [0, 1, 57, 58, 1000, 7609]) {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) & 0xff));
      packets(cid, 0x01, data).forEach(send);
      const reply = await readMessage(cid);
      expect(reply.cmd).toBe(0x01);
      expect(reply.data.equals(data)).toBe(true);
    }
  });

  test('HKP_MSG GetInfo, WINK, CTAP2 GetInfo over CBOR and U2F VERSION over MSG', async () => {
    const cid = await init();
    packets(cid, 0x50, Buffer.from([0x01])).forEach(send);
    const info = await readMessage(cid);
    expect(info.cmd).toBe(0x50);
    expect(info.data[0]).toBe(0x00);
    expect(info.data.includes(Buffer.from('HK-SIM-000001'))).toBe(true);
    packets(cid, 0x08, Buffer.alloc(0)).forEach(send);
    expect((await readMessage(cid)).cmd).toBe(0x08);
    packets(cid, 0x10, Buffer.from([0x04])).forEach(send);
    const ctap = await readMessage(cid);
    expect(ctap.cmd).toBe(0x10);
    expect(ctap.data[0]).toBe(0x00); // CTAP2_OK, then the GetInfo map
    expect(ctap.data.includes(Buffer.from('FIDO_2_1'))).toBe(true);
    packets(cid, 0x03, Buffer.from([0x00, 0x03, 0x00, 0x00])).forEach(send);
    expect(await readMessage(cid)).toEqual({ cmd: 0x03, data: Buffer.from('U2F_V2\x90\x00', 'latin1') });
    packets(cid, 0x10, Buffer.alloc(0)).forEach(send);
    expect(await readMessage(cid)).toEqual({ cmd: 0x3f, data: Buffer.from([0x03]) }); // CBOR without a command: INVALID_LEN
  });

  test('wrong sequence, unallocated channel and over-long BCNT are refused', async () => {
    const cid = await init();
    const [first, second] = packets(cid, 0x01, Buffer.alloc(100, 1));
    second![4] = 5;
    send(first!);
    send(second!);
    expect(await readMessage(cid)).toEqual({ cmd: 0x3f, data: Buffer.from([0x04]) });
    packets(0x01020304, 0x01, Buffer.alloc(1)).forEach(send);
    expect(await readMessage(0x01020304)).toEqual({ cmd: 0x3f, data: Buffer.from([0x0b]) });
    const long = packets(cid, 0x01, Buffer.alloc(1))[0]!;
    long.writeUInt16BE(7610, 5);
    send(long);
    expect(await readMessage(cid)).toEqual({ cmd: 0x3f, data: Buffer.from([0x03]) });
  });

  test('KEEPALIVE every 100 ms at most while waiting for the button, and CANCEL ends the wait', async () => {
    const device = simulator.devices[0]!;
    device.setPresencePolicy('button');
    const cid = await init();
    // AccountCreate {2: "pw", 4: "x"} then GetPassword {1: id}
    packets(cid, 0x50, Buffer.from('12a2026270770461' + '78', 'hex')).forEach(send);
    const created = await readMessage(cid);
    expect(created.data[0]).toBe(0x00);
    const stamps: number[] = [];
    const keepalives: number[] = [];
    packets(cid, 0x50, Buffer.from('21a10101', 'hex')).forEach(send);
    const started = Date.now();
    while (Date.now() - started < 1000) {
      const report = await nextReport();
      expect(report[4]).toBe(0x80 | 0x3b);
      keepalives.push(report[7]!);
      stamps.push(Date.now());
    }
    expect(keepalives.at(-1)).toBe(2);
    const gaps = stamps.slice(1).map((stamp, i) => stamp - stamps[i]!);
    const onTime = gaps.filter((gap) => gap <= 100).length / gaps.length;
    expect(onTime).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...gaps)).toBeLessThan(250);
    packets(cid, 0x11, Buffer.alloc(0)).forEach(send);
    const reply = await readMessage(cid);
    expect(reply).toEqual({ cmd: 0x50, data: Buffer.from([0x43]) });
  });
});

/** A second host application: its own UDP socket, so its own address and port. */
async function otherApplication(): Promise<{ send(report: Buffer): void; next(): Promise<Buffer>; close(): void }> {
  const other = createSocket('udp4');
  const received: Buffer[] = [];
  other.on('message', (message) => received.push(message));
  await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
  return {
    send: (report) => other.send(report, simulator.devices[0]!.udp.port, '127.0.0.1'),
    async next() {
      const deadline = Date.now() + 2000;
      while (received.length === 0) {
        if (Date.now() > deadline) throw new Error('no report for the other application');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return received.shift() as Buffer;
    },
    close: () => other.close(),
  };
}

describe('UDP channels belong to the address that allocated them (docs/protocol.md §8.1)', () => {
  test('another socket using a channel id gets INVALID_CHANNEL and the owner keeps working, mid-request too', async () => {
    const cid = await init();
    const intruder = await otherApplication();
    try {
      packets(cid, 0x01, Buffer.from('mine?')).forEach((report) => intruder.send(report));
      const refusal = await intruder.next();
      expect(refusal.readUInt32BE(0)).toBe(cid);
      expect([refusal[4], refusal.readUInt16BE(5), refusal[7]]).toEqual([0x80 | 0x3f, 1, 0x0b]);
      // The intruder's packet between the owner's two packets does not disturb the owner's request.
      const data = Buffer.alloc(100, 7);
      const [first, second] = packets(cid, 0x01, data);
      send(first!);
      await new Promise((resolve) => setTimeout(resolve, 20));
      intruder.send(packets(cid, 0x01, Buffer.from('x'))[0]!);
      expect((await intruder.next())[7]).toBe(0x0b);
      send(second!);
      expect(await readMessage(cid)).toEqual({ cmd: 0x01, data });
      expect(inbox).toEqual([]);
    } finally {
      intruder.close();
    }
  });

  test("200 INITs from another socket do not evict the first socket's channel", async () => {
    const cid = await init();
    const flood = await otherApplication();
    try {
      for (let i = 0; i < 200; i++) {
        const nonce = Buffer.alloc(8);
        nonce.writeUInt32BE(i, 0);
        flood.send(packets(BROADCAST, 0x06, nonce)[0]!);
        const answer = await flood.next();
        expect(answer.subarray(7, 15)).toEqual(nonce);
      }
      packets(cid, 0x01, Buffer.from('still mine')).forEach(send);
      expect(await readMessage(cid)).toEqual({ cmd: 0x01, data: Buffer.from('still mine') });
    } finally {
      flood.close();
    }
  });
});
