/** Each test gets its own servers on free loopback ports, and nothing listens once it has ended. */
import { createSocket } from 'node:dgram';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridgeServer } from '@hkey/bridge';
import { startBridgeRig } from '../src/bridge-rig.js';
import type { HkeyEndpoints } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { listeningPorts } from './support/listening-ports.js';
import { expect, test } from './support/site.js';

function tcpRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

test.describe('by default', () => {
  test('only the bridge and the control API listen, both asking for a token', async ({ hkeyEndpoints }) => {
    const bridge = new URL(hkeyEndpoints.bridge?.url ?? '').port;
    const control = new URL(hkeyEndpoints.control?.url ?? '').port;
    expect(hkeyEndpoints.ports).toEqual([Number(bridge), Number(control)]);
    expect(hkeyEndpoints.udp).toEqual([]);
    expect(hkeyEndpoints.bleLink).toEqual([]);
    expect(await listeningPorts()).toEqual({ tcp: [Number(bridge), Number(control)].sort((a, b) => a - b), udp: [] });
  });
});

test.describe('with the simulator links', () => {
  test.use({ hkey: { links: ['udp', 'ble'] } });

  test('UDP HID and the BLE link listen too', async ({ hkeyEndpoints }) => {
    const [bridge, control, udp, ble] = hkeyEndpoints.ports as [number, number, number, number];
    expect(hkeyEndpoints.udp).toEqual([`udp://127.0.0.1:${udp}`]);
    expect(hkeyEndpoints.bleLink).toEqual([`ble-link://127.0.0.1:${ble}/HK-SIM-000001`]);
    expect(await listeningPorts()).toEqual({ tcp: [bridge, control, ble].sort((a, b) => a - b), udp: [udp] });
  });
});

test.describe('a bridge that fails to stop', () => {
  test('still has the simulator closed, and the failure reported', async () => {
    const rig = await startBridgeRig(resolveOptions({ links: ['udp', 'ble'] }, undefined), async (options) => {
      const bridge = await startBridgeServer(options);
      return { ...bridge, close: async () => (await bridge.close(), Promise.reject(new Error('the bridge did not stop'))) };
    });
    const [bridge, control, udp, ble] = rig.endpoints.ports as [number, number, number, number];
    await expect(rig.close()).rejects.toThrow('the bridge did not stop');
    for (const port of [bridge, control, ble]) expect(await tcpRefused(port)).toBe(true);
    expect(await udpFree(udp)).toBe(true);
  });
});

test.describe('teardown', () => {
  test.describe.configure({ mode: 'serial' });
  test.use({ hkey: { links: ['udp', 'ble'] } });
  let used: HkeyEndpoints | undefined;

  test('a test with the fixture listens on its ports', async ({ hkeyEndpoints }) => {
    used = hkeyEndpoints;
    expect(hkeyEndpoints.ports).toHaveLength(4);
    for (const port of [hkeyEndpoints.ports[0], hkeyEndpoints.ports[1]] as number[]) expect(await tcpRefused(port)).toBe(false);
  });

  test('after it, none of them listens', async () => {
    if (used === undefined) throw new Error('the first test did not run');
    const [bridge, control, udp, ble] = used.ports as [number, number, number, number];
    for (const port of [bridge, control, ble]) expect(await tcpRefused(port)).toBe(true);
    expect(await udpFree(udp)).toBe(true);
  });
});

test.describe('parallel tests', () => {
  test.describe.configure({ mode: 'parallel' });
  // Both workers are children of one test runner: its pid names this run's meeting place.
  const meeting = join(tmpdir(), `hkey-playwright-parallel-${process.ppid}`);

  /** Says `mark` and waits until the other test has said `otherMark`. */
  async function meet(mark: string, otherMark: string, content = ''): Promise<string> {
    await mkdir(meeting, { recursive: true });
    await writeFile(join(meeting, mark), content);
    await expect.poll(async () => (await readdir(meeting)).includes(otherMark), { timeout: 30_000 }).toBe(true);
    return readFile(join(meeting, otherMark), 'utf8');
  }

  for (const [name, otherName] of [
    ['first', 'second'],
    ['second', 'first'],
  ]) {
    // playwright.config.ts runs two workers, so the two tests meet while both run.
    test(`${name} runs beside the other on ports of its own`, async ({ hkeyEndpoints }) => {
      const other = JSON.parse(await meet(`${name}`, `${otherName}`, JSON.stringify(hkeyEndpoints))) as HkeyEndpoints;
      expect(other.ports.filter((port) => hkeyEndpoints.ports.includes(port))).toEqual([]);
      // The other test's simulator answers at the same time, with its own token.
      const devices = await fetch(`${other.control?.url}/v1/devices`, { headers: { authorization: `Bearer ${other.control?.token}` } });
      expect(devices.status).toBe(200);
      expect(other.control?.token).not.toBe(hkeyEndpoints.control?.token);
      // Neither test ends, and stops its servers, before the other has looked.
      await meet(`${name}-done`, `${otherName}-done`);
    });
  }
});
