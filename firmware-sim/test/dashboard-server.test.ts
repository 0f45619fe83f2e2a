/** The dashboard as the control server serves it (docs/protocol.md §8.6): files, token handling, data endpoints, stream. */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRequest } from '@hkey/protocol';
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import WebSocket from 'ws';
import { buildDashboard } from '../dashboard/build.js';
import type { KeyRow, StreamFrame } from '../src/node/dashboard/view-model.js';

let simulator: Simulator;
let control: ControlServer;
const SECRET_TEXT = 'JBSWY3DPEHPK3PXPJBSWY3DP';
const PASSWORD = 'correct-horse-battery';

beforeAll(async () => {
  simulator = await Simulator.start({ udpPort: 0, blePort: null, devices: 3 });
  control = await startControlServer(simulator, { port: 0, dashboard: await buildDashboard() });
  const session = simulator.devices[0]!.key.openSession('virtual');
  const secret = new TextEncoder().encode(SECRET_TEXT);
  await session.handle(encodeRequest('AccountCreate', { name: 'github', password: PASSWORD, otp: { secret, kind: 'TOTP' } }));
  await session.handle(encodeRequest('SetPin', { pin: '482913' }));
  session.close();
});

afterAll(async () => {
  await control.close();
  await simulator.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, control.url);
    const outgoing = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { host: url.host, ...headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const bearer = (): Record<string, string> => ({ authorization: `Bearer ${control.token}` });

describe('the dashboard files', () => {
  test('/ and its script are served without a token, under a strict content security policy', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<hkey-dashboard>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const script = await get('/dashboard.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toContain('text/javascript');
    // Offline: nothing in the bundle reaches for another host.
    expect(script.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
  });

  test('a wrong token in the address gets a page that says so and nothing of the keys', async () => {
    const page = await get('/?token=not-the-token-of-this-launch');
    expect(page.status).toBe(401);
    expect(page.body).toContain('wrong token');
    expect(page.body).not.toContain('HK-SIM');
    expect((await get(`/?token=${control.token}`)).status).toBe(200);
  });

  test('the Host and Origin checks still apply to the files', async () => {
    expect((await get('/', { host: 'evil.example' })).status).toBe(403);
    expect((await get('/', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get('/', { origin: 'http://127.0.0.1.evil.example' })).status).toBe(403);
  });

  test('without a built dashboard, / says how to build it', async () => {
    const bare = await startControlServer(simulator, { port: 0, dashboard: { files: new Map() } });
    try {
      const response = await fetch(`${bare.url}/`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });

  test('the dashboard URL carries the token in its fragment only', () => {
    expect(control.dashboardUrl).toBe(`${control.url}/#token=${control.token}`);
  });
});

describe('the dashboard data', () => {
  test('/v1/dashboard needs the token', async () => {
    const refused = await get('/v1/dashboard');
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('HK-SIM');
    expect((await get('/v1/dashboard', { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await get('/v1/devices/HK-SIM-000001/details')).status).toBe(401);
  });

  test('/v1/dashboard lists a row per key', async () => {
    const { status, body } = await get('/v1/dashboard', bearer());
    expect(status).toBe(200);
    const { keys } = JSON.parse(body) as { keys: KeyRow[] };
    expect(keys.map((row) => row.serial)).toEqual(['HK-SIM-000001', 'HK-SIM-000002', 'HK-SIM-000003']);
    expect(keys[0]).toMatchObject({ activity: 'locked', pinRetries: 8, accounts: 1, led: { colour: 'orange', pattern: 'heartbeat' } });
    expect(keys[1]).toMatchObject({ activity: 'idle', pinRetries: null, accounts: 0, led: { colour: 'green', pattern: 'heartbeat' } });
  });

  test('details show account names, kinds and flags, never a secret, password or PIN', async () => {
    const { status, body } = await get('/v1/devices/HK-SIM-000001/details', bearer());
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({
      accountList: [{ id: 1, name: 'github', kinds: ['TOTP', 'password'], flags: [] }],
      pin: { set: true, retries: 8, maxRetries: 8 },
      links: { udpClients: [], ble: { connections: 0 } },
      clock: { driftPpm: 0 },
    });
    for (const secret of [SECRET_TEXT, PASSWORD, '482913', Buffer.from(SECRET_TEXT).toString('base64'), Buffer.from(SECRET_TEXT).toString('hex')]) {
      expect(body).not.toContain(secret);
    }
    expect(body).not.toMatch(/"(secret|hash|salt|password|masterSecret|credentialId|userId)":/);
  });
});

function openStream(): Promise<{ socket: WebSocket; frames: StreamFrame[]; next: () => Promise<StreamFrame> }> {
  const url = `${control.url.replace('http', 'ws')}/v1/dashboard/stream?token=${control.token}`;
  const socket = new WebSocket(url);
  const frames: StreamFrame[] = [];
  const waiters: ((frame: StreamFrame) => void)[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as StreamFrame;
    frames.push(frame);
    waiters.shift()?.(frame);
  });
  let read = 0;
  const next = (): Promise<StreamFrame> =>
    read < frames.length ? Promise.resolve(frames[read++]!) : new Promise((resolve) => waiters.push((f) => (read++, resolve(f))));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, frames, next }));
    socket.once('error', reject);
  });
}

describe('/v1/dashboard/stream', () => {
  test('refuses a missing or wrong token', async () => {
    for (const query of ['', '?token=wrong-token-wrong-token']) {
      const socket = new WebSocket(`${control.url.replace('http', 'ws')}/v1/dashboard/stream${query}`);
      const status = await new Promise<number>((resolve) => socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0)));
      expect(status).toBe(401);
    }
  });

  test('starts with every row, then sends what changed, batched, each event once and in order', async () => {
    const { socket, next } = await openStream();
    try {
      const first = await next();
      expect(first.rows).toHaveLength(3);
      expect(first.events).toEqual([]);
      const device = simulator.devices[2]!;
      const before = device.key.events.lastSeq;
      for (let percent = 90; percent > 80; percent--) await device.key.setBattery(percent);
      const seen: number[] = [];
      let row: KeyRow | undefined;
      const started = Date.now();
      while (seen.length < 10) {
        const frame = await next();
        seen.push(...frame.events.map((event) => event.seq));
        row = frame.rows.find((candidate) => candidate.serial === device.key.serial) ?? row;
        expect(frame.rows.every((candidate) => candidate.serial === device.key.serial)).toBe(true);
      }
      expect(Date.now() - started).toBeLessThan(1000);
      expect(seen).toEqual(Array.from({ length: 10 }, (_, index) => before + index + 1));
      expect(row).toMatchObject({ battery: 81, seq: before + 10 });
    } finally {
      socket.close();
    }
  });

  test('frames come at most every 50 ms, and a flood is cut to the newest 200 events with a count of the rest', async () => {
    const { socket, next, frames } = await openStream();
    try {
      await next();
      const key = simulator.devices[1]!.key;
      for (let index = 0; index < 1200; index++) key.events.emit({ type: 'wink' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const later = frames.slice(1);
      const events = later.reduce((sum, frame) => sum + frame.events.length, 0);
      const skipped = later.reduce((sum, frame) => sum + frame.skipped, 0);
      expect(events + skipped).toBe(1200);
      expect(later.every((frame) => frame.events.length <= 200)).toBe(true);
      for (let index = 1; index < later.length; index++) expect(later[index]!.sent - later[index - 1]!.sent).toBeGreaterThanOrEqual(45);
    } finally {
      socket.close();
    }
  });
});
