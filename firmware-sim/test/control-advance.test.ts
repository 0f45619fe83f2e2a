/**
 * POST /v1/devices/SERIAL/advance (docs/protocol.md §8.3): a key's time passes at once, its timers fire on the
 * way, and nothing else (other keys, real time) moves.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Status, encodeRequest } from '@hkey/protocol';
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';

let simulator: Simulator;
let control: ControlServer;
const serial = 'HK-SIM-000001';

beforeAll(async () => {
  simulator = await Simulator.start({ udpPort: 0, blePort: null, devices: 2, clockSeconds: 2_000_000_000 });
  control = await startControlServer(simulator, { port: 0 });
});

afterAll(async () => {
  await control.close();
  await simulator.close();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${control.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${control.token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const advance = (ms: unknown, who = serial) => api('POST', `/v1/devices/${who}/advance`, { ms });

test('a button wait times out after 30 s of key time, not before, without waiting for them', async () => {
  const device = simulator.device(serial)!;
  await api('PUT', `/v1/devices/${serial}/presence`, { policy: 'button' });
  const session = device.key.openSession('virtual');
  expect((await session.handle(encodeRequest('AccountCreate', { name: 'p', password: 'pw' })))?.[0]).toBe(Status.OK);
  const after = device.key.events.lastSeq;
  const began = performance.now();
  let answer: Uint8Array | undefined;
  const pending = session.handle(encodeRequest('GetPassword', { id: 1 })).then((bytes) => (answer = bytes));
  await api('GET', `/v1/devices/${serial}/events/wait?type=presence&state=waiting&after=${after}&timeoutMs=5000`);
  const timeBefore = Number((await api('GET', `/v1/devices/${serial}`)).body.time);

  expect((await advance(29_000)).status).toBe(200);
  expect(answer).toBeUndefined();
  expect((await api('GET', `/v1/devices/${serial}`)).body.waitingForButton).toMatchObject({ kind: 'press' });

  const jumped = await advance(1_000);
  await pending;
  expect(answer?.[0]).toBe(Status.USER_PRESENCE_TIMEOUT);
  expect(performance.now() - began).toBeLessThan(5_000);
  expect(jumped.body.advancedMs).toBe(30_000);
  expect(Number(jumped.body.time) - timeBefore).toBeGreaterThanOrEqual(30);
  const events = device.key.events.since(after).filter((event) => event.type === 'state' && event.change === 'time-advanced');
  expect(events.map((event) => (event.type === 'state' ? event.detail : undefined))).toEqual([{ ms: 29_000 }, { ms: 1_000 }]);
  // The other key's clock did not move.
  const other = await api('GET', '/v1/devices/HK-SIM-000002');
  expect(Math.abs(Number(other.body.time) - (timeBefore + Math.round((performance.now() - began) / 1000)))).toBeLessThanOrEqual(2);
});

test('over UDP HID, a request whose next packet is late is answered MSG_TIMEOUT once 500 ms of key time pass', async () => {
  const device = simulator.device('HK-SIM-000002')!;
  const socket: Socket = createSocket('udp4');
  const inbox: Buffer[] = [];
  socket.on('message', (message) => inbox.push(message));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const send = (report: Buffer): Promise<void> =>
    new Promise((resolve, reject) => socket.send(report, device.udp.port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  const next = async (waitMs = 200): Promise<Buffer | undefined> => {
    for (const until = performance.now() + waitMs; inbox.length === 0 && performance.now() < until;) await new Promise((resolve) => setTimeout(resolve, 5));
    return inbox.shift();
  };
  try {
    const init = Buffer.alloc(64);
    init.writeUInt32BE(0xffffffff, 0);
    init[4] = 0x86;
    init.writeUInt16BE(8, 5);
    await send(init);
    const cid = (await next())!.readUInt32BE(15);
    // The first packet of a 100-byte PING, and no second one.
    const first = Buffer.alloc(64);
    first.writeUInt32BE(cid, 0);
    first[4] = 0x81;
    first.writeUInt16BE(100, 5);
    await send(first);
    await advance(400, 'HK-SIM-000002');
    // Real time runs on as well: listen briefly, well inside the 100 ms left.
    expect(await next(30)).toBeUndefined();
    await advance(150, 'HK-SIM-000002');
    const error = await next(50);
    expect(error?.readUInt32BE(0)).toBe(cid);
    expect([error?.[4], error?.[7]]).toEqual([0xbf, 0x05]);
  } finally {
    socket.close();
  }
});

test('bad jumps are refused with a stable code', async () => {
  for (const ms of [-1, 86_400_001, 'soon', undefined]) {
    expect(await advance(ms)).toMatchObject({ status: 400, body: { error: { code: 'BAD_PARAMETER' } } });
  }
  expect(await advance(1, 'HK-SIM-999999')).toMatchObject({ status: 404, body: { error: { code: 'DEVICE_NOT_FOUND' } } });
});
