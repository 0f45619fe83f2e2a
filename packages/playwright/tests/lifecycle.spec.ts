/** Each test gets its own servers on free loopback ports, and nothing listens once it has ended. */
import { createSocket } from 'node:dgram';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HkeyEndpoints } from '../src/index.js';
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

test.describe('teardown', () => {
  test.describe.configure({ mode: 'serial' });
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
    test(`${name} runs beside the other on ports of its own`, async ({ hkeyEndpoints }, testInfo) => {
      test.skip(testInfo.config.workers < 2, 'needs two workers');
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
