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
  const response = await fetch(`${control.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${control.token}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
}

/** A raw request, so the Host header can be anything (fetch always sends the real one). */
async function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(`${control.url}${path}`, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

/** The status a WebSocket handshake gets: 101 when it opens, else the HTTP refusal. */
function handshake(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
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
    const raw = await fetch(`${control.url}/v1/devices/${serial}/time`, {
      method: 'POST',
      body: '{not json',
      headers: { authorization: `Bearer ${control.token}` },
    });
    expect(raw.status).toBe(400);
  });

  test('refuses foreign origins and rebinding Host headers, exactly', async () => {
    const authorization = `Bearer ${control.token}`;
    for (const origin of [
      'https://evil.example',
      'http://127.0.0.1.evil.com',
      'http://localhost.evil.com',
      'http://127.0.0.1.evil.com:80',
      'http://localhost:1@evil.com',
      'null',
    ]) {
      const refused = await api('GET', '/v1/devices', undefined, { origin });
      expect(refused.status, origin).toBe(403);
      expect(refused.body, origin).toMatchObject({ error: { code: 'ORIGIN_REFUSED' } });
    }
    expect((await api('GET', '/v1/devices', undefined, { origin: 'http://localhost:5173' })).status).toBe(200);
    for (const host of [
      'evil.example',
      '127.0.0.1.rebind.evil.com',
      `127.0.0.1.rebind.evil.com:${control.port}`,
      `localhost.evil.com:${control.port}`,
      'localhost@evil.example',
      '127.1',
    ]) {
      const refused = await rawGet('/v1/devices', { host, authorization });
      expect(refused.status, host).toBe(403);
      expect(JSON.parse(refused.body), host).toMatchObject({ error: { code: 'HOST_REFUSED' } });
    }
    expect((await rawGet('/v1/devices', { host: `localhost:${control.port}`, authorization })).status).toBe(200);
    expect((await rawGet('/v1/devices', { host: `[::1]:${control.port}`, authorization })).status).toBe(200);
  });

  test('every request needs the launch token, by bearer header or ?token=, and a refusal never echoes it', async () => {
    const missing = await rawGet('/v1/devices', {});
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'TOKEN_REQUIRED' } });
    const wrong = await rawGet('/v1/devices?token=wrong-token-0123456789', { authorization: 'Bearer wrong-token-9876543210' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).not.toContain('wrong-token');
    expect((await rawGet(`/v1/devices/${serial}/snapshots`, {})).status).toBe(401);
    expect((await rawGet(`/v1/devices?token=${control.token}`, {})).status).toBe(200);
    expect((await rawGet('/v1/devices', { authorization: `Bearer ${control.token}` })).status).toBe(200);
    // The token is not an event filter: a wait with ?token= still finds its event.
    const after = simulator.device(serial)!.key.events.lastSeq;
    const waited = fetch(`${control.url}/v1/devices/${serial}/events/wait?after=${after}&type=state&change=battery&timeoutMs=5000&token=${control.token}`);
    await api('POST', `/v1/devices/${serial}/battery`, { percent: 70 });
    expect((await waited).status).toBe(200);
  });

  test('the WebSocket handshake needs the token too, and loopback Host and Origin', async () => {
    const ws = `${control.url.replace('http', 'ws')}/v1/events`;
    expect(await handshake(ws)).toBe(401);
    expect(await handshake(`${ws}?token=not-the-token-at-all`)).toBe(401);
    expect(await handshake(ws, { authorization: 'Bearer not-the-token-at-all' })).toBe(401);
    expect(await handshake(`${ws}?token=${control.token}`, { origin: 'http://127.0.0.1.evil.com' })).toBe(403);
    expect(await handshake(`${ws}?token=${control.token}`, { host: '127.0.0.1.rebind.evil.com' })).toBe(403);
    expect(await handshake(`${control.url.replace('http', 'ws')}/v1/other?token=${control.token}`)).toBe(404);
    expect(await handshake(`${ws}?token=${control.token}`)).toBe(101);
    expect(await handshake(ws, { authorization: `Bearer ${control.token}` })).toBe(101);
  });

  test('the token is random per launch, or the one given; a short one and a non-loopback address are refused', async () => {
    expect(control.token.length).toBeGreaterThanOrEqual(32);
    const fixed = await startControlServer(simulator, { port: 0, token: 'a-fixed-token-for-ci' });
    try {
      expect(fixed.token).toBe('a-fixed-token-for-ci');
      expect(fixed.token).not.toBe(control.token);
      expect((await fetch(`${fixed.url}/v1/devices`, { headers: { authorization: 'Bearer a-fixed-token-for-ci' } })).status).toBe(200);
    } finally {
      await fixed.close();
    }
    await expect(startControlServer(simulator, { port: 0, token: 'short' })).rejects.toMatchObject({ code: 'CONTROL_TOKEN_TOO_SHORT' });
    await expect(startControlServer(simulator, { port: 0, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'REMOTE_BIND_REFUSED' });
  });

  test('streams events over WebSocket', async () => {
    const socket = new WebSocket(`${control.url.replace('http', 'ws')}/v1/events`, { headers: { authorization: `Bearer ${control.token}` } });
    await new Promise((resolve) => socket.once('open', resolve));
    const received = new Promise<Record<string, unknown>>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    await api('POST', `/v1/devices/${serial}/battery`, { percent: 50 });
    expect(await received).toMatchObject({ type: 'state', change: 'battery', serial });
    socket.close();
  });
});
