/** `hkey bridge` serving virtual keys, and the CLI reaching them through it with `--transport ws://HOST:PORT`. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { hkey, spawnHkey, type RunningCli } from './cli-harness.js';

let bridge: RunningCli;
let ready: { url: string; token: string };

beforeAll(async () => {
  bridge = spawnHkey(['bridge', '--virtual', '2', '--no-hardware', '--port', '0', '--json'], { timeoutMs: 120_000 });
  ready = (await bridge.nextEvent((event) => event.event === 'ready')) as unknown as { url: string; token: string };
}, 60_000);

afterAll(async () => {
  bridge?.kill('SIGTERM');
  expect((await bridge.done).code).toBe(0);
});

/** The status of a WebSocket handshake from a page of `origin`: 101 when it opens, else the HTTP refusal. */
function handshake(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { origin });
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

test('prints its WebSocket URL and a per-launch token once, and who gets in', async () => {
  expect(ready.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
  expect(ready.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  expect(ready).toMatchObject({ tokenRequiredFromAll: false });
  expect(await handshake(ready.url, 'http://localhost:5173')).toBe(101);
  expect(await handshake(ready.url, 'http://localhost.evil.com')).toBe(403);
});

test('--require-token: pages from allowed origins need the token too', async () => {
  const json = spawnHkey(['bridge', '--virtual', '1', '--no-hardware', '--port', '0', '--require-token', '--json'], { timeoutMs: 60_000 });
  try {
    const event = (await json.nextEvent((candidate) => candidate.event === 'ready')) as { url: string; token: string; tokenRequiredFromAll: boolean };
    expect(event.tokenRequiredFromAll).toBe(true);
    expect(await handshake(event.url, 'http://localhost:5173')).toBe(401);
    expect(await handshake(`${event.url}?token=${event.token}`, 'http://localhost:5173')).toBe(101);
  } finally {
    json.kill('SIGTERM');
    expect((await json.done).code).toBe(0);
  }
}, 60_000);

test('the CLI lists and uses keys behind the bridge; without the token it is refused', async () => {
  const place = ready.url.replace(/\/v1$/, '');
  const env = { HKEY_BRIDGE_TOKEN: ready.token };
  const devices = await hkey(['--transport', place, 'devices', '--json'], { env });
  expect(devices.code, devices.stderr).toBe(0);
  const listed = JSON.parse(devices.stdout) as { url: string; serial?: string }[];
  expect(listed.map((device) => device.serial).sort()).toEqual(['HK-SIM-000001', 'HK-SIM-000002']);
  const info = await hkey(['--transport', place, '--device', 'HK-SIM-000002', 'info', '--json'], { env });
  expect(info.code, info.stderr).toBe(0);
  expect(JSON.parse(info.stdout)).toMatchObject({ serial: 'HK-SIM-000002' });
  const refused = await hkey(['--transport', place, 'info'], { env: { HKEY_BRIDGE_TOKEN: 'wrong' } });
  expect(refused.code).not.toBe(0);
});
