/** `hkey bridge` serving virtual keys, and the CLI reaching them through it with `--transport ws://HOST:PORT`. */
import { afterAll, beforeAll, expect, test } from 'vitest';
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

test('prints its WebSocket URL and a per-launch token once', () => {
  expect(ready.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
  expect(ready.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
});

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
