import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRequest } from '@hkey/protocol';
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import WebSocket from 'ws';

let simulator: Simulator;
let control: ControlServer;
const serial = 'HK-SIM-000001';

beforeAll(async () => {
  simulator = await Simulator.start({ udpPort: 0, devices: 2 });
  control = await startControlServer(simulator, { port: 0 });
});

afterAll(async () => {
  await control.close();
  await simulator.close();
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${control.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
}

describe('control API (docs/protocol.md §8.3)', () => {
  test('lists devices with their endpoints', async () => {
    const { status, body } = await api('GET', '/v1/devices');
    expect(status).toBe(200);
    expect((body as { serial: string }[]).map((d) => d.serial)).toEqual(['HK-SIM-000001', 'HK-SIM-000002']);
    expect(body[0]).toMatchObject({ pinState: 'NOT_SET', presencePolicy: 'auto-approve', udp: { host: '127.0.0.1' } });
  });

  test('waits for the button without polling, then presses it', async () => {
    const device = simulator.device(serial)!;
    expect((await api('PUT', `/v1/devices/${serial}/presence`, { policy: 'button' })).body).toEqual({ policy: 'button' });
    const session = device.key.openSession('virtual');
    const created = await session.handle(encodeRequest('AccountCreate', { name: 'p', password: 'pw' }));
    expect(created?.[0]).toBe(0);
    const after = device.key.events.lastSeq;
    const pending = session.handle(encodeRequest('GetPassword', { id: 1 }));
    const waited = await api('GET', `/v1/devices/${serial}/events/wait?type=presence&state=waiting&after=${after}&timeoutMs=5000`);
    expect(waited.body).toMatchObject({ type: 'presence', state: 'waiting', reason: 'GetPassword p' });
    expect((await api('GET', `/v1/devices/${serial}`)).body).toMatchObject({ waitingForButton: { kind: 'press' } });
    expect((await api('POST', `/v1/devices/${serial}/button`, { action: 'press' })).status).toBe(200);
    expect((await pending)?.[0]).toBe(0);
    expect((await api('POST', `/v1/devices/${serial}/button`, { action: 'press' })).body).toMatchObject({ error: { code: 'NOT_WAITING' } });
    await api('PUT', `/v1/devices/${serial}/presence`, { policy: 'auto-approve' });
  });

  test('a wait that finds nothing times out with 408', async () => {
    const { status, body } = await api('GET', `/v1/devices/${serial}/events/wait?type=never&timeoutMs=100`);
    expect(status).toBe(408);
    expect(body).toMatchObject({ error: { code: 'WAIT_TIMEOUT' } });
  });

  test('time, drift, battery, faults, snapshots', async () => {
    expect((await api('POST', `/v1/devices/${serial}/time`, { time: 2_000_000_000 })).body).toEqual({ time: 2_000_000_000 });
    expect((await api('POST', `/v1/devices/${serial}/battery`, { percent: 0 })).body).toEqual({ battery: 0 });
    await api('POST', `/v1/devices/${serial}/battery`, { percent: 80 });
    expect((await api('POST', `/v1/devices/${serial}/faults`, { kind: 'drop', direction: 'in', count: 1 })).body).toMatchObject({ id: expect.any(Number) });
    expect((await api('POST', `/v1/devices/${serial}/flash-faults`, { after: 1, fault: 'write-error' })).body).toEqual({ pending: 1 });
    expect((await api('DELETE', `/v1/devices/${serial}/faults`)).status).toBe(200);
    const device = simulator.device(serial)!;
    const { id } = (await api('POST', `/v1/devices/${serial}/snapshots`)).body as unknown as { id: string };
    const session = device.key.openSession('virtual');
    await session.handle(encodeRequest('AccountCreate', { name: 'temporary' }));
    const count = device.key.state.accounts.length;
    expect((await api('POST', `/v1/devices/${serial}/snapshots/${id}/restore`)).status).toBe(200);
    expect(device.key.state.accounts.length).toBe(count - 1);
  });

  test('bad input is a 4xx with a stable code, never a crash', async () => {
    expect((await api('POST', `/v1/devices/${serial}/battery`, { percent: 101 })).body).toMatchObject({ error: { code: 'BAD_PARAMETER' } });
    expect((await api('POST', `/v1/devices/${serial}/faults`, { kind: 'explode' })).status).toBe(400);
    expect((await api('GET', '/v1/devices/nope')).status).toBe(404);
    const raw = await fetch(`${control.url}/v1/devices/${serial}/time`, { method: 'POST', body: '{not json' });
    expect(raw.status).toBe(400);
  });

  test('refuses foreign origins and rebinding Host headers', async () => {
    expect((await api('GET', '/v1/devices', undefined, { origin: 'https://evil.example' })).status).toBe(403);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      request(`${control.url}/v1/devices`, { headers: { host: 'evil.example' } }, (res) => resolve(res.statusCode ?? 0)).end();
    });
    expect(status).toBe(403);
  });

  test('streams events over WebSocket', async () => {
    const socket = new WebSocket(`${control.url.replace('http', 'ws')}/v1/events`);
    await new Promise((resolve) => socket.once('open', resolve));
    const received = new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    await api('POST', `/v1/devices/${serial}/battery`, { percent: 50 });
    expect(await received).toMatchObject({ type: 'state', change: 'battery', serial });
    socket.close();
  });
});
