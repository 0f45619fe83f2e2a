/**
 * `hkey sim`'s dashboard address (docs/protocol.md §8.6): the --json ready line gives it with the launch token in its
 * fragment, and it works (the page, then the data with the token; without it, 401 and nothing of the keys).
 * `--open` hands the browser a user-only file that forwards to the address, never the token on a command line:
 * the test puts a fake `xdg-open` (and macOS's `open`) first on PATH, which records what it was given.
 */
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Sim, spawnHkey, startSim } from './cli-harness.js';

const PORTS = ['--udp', '0', '--control-port', '0', '--ble-port', '0'];
let sim: Sim;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-dashboard-cli-'));
  sim = await startSim(PORTS);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A browser that writes each argument it got on a line of `log`. */
/** An xdg-open (and open) that records its arguments and exits with `status` (xdg-open's 3: no browser found). */
async function fakeBrowser(log: string, status = 0): Promise<string> {
  const bin = await mkdtemp(join(dir, 'bin-'));
  for (const name of ['xdg-open', 'open']) {
    await writeFile(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}.partial' && mv '${log}.partial' '${log}'\nexit ${status}\n`);
    await chmod(join(bin, name), 0o755);
  }
  return bin;
}

describe('hkey sim: the dashboard address', () => {
  test('the --json ready line gives the dashboard URL with the token in its fragment', () => {
    const { control, controlToken, dashboard } = sim.ready as { control: string; controlToken: string; dashboard: string };
    expect(dashboard).toBe(`${control}/#token=${encodeURIComponent(controlToken)}`);
    expect(new URL(dashboard).origin).toBe(control);
  });

  test('with its token the address gives the page and the keys; without it, 401 and no data', async () => {
    const dashboard = new URL(String(sim.ready.dashboard));
    const token = new URLSearchParams(dashboard.hash.slice(1)).get('token') as string;
    const control = dashboard.origin;

    // A browser sends no fragment: the page is code, served as is; it then calls the API with the token.
    const page = await fetch(dashboard);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<hkey-dashboard>');
    expect((await fetch(`${control}/?token=${encodeURIComponent(token)}`)).status).toBe(200);
    const data = await fetch(`${control}/v1/dashboard`, { headers: { authorization: `Bearer ${token}` } });
    expect(data.status).toBe(200);
    expect(await data.json()).toMatchObject({ keys: [{ serial: 'HK-SIM-000001', lifecycle: 'READY' }], streamIntervalMs: 50 });
    const details = await fetch(`${control}/v1/devices/HK-SIM-000001/details?token=${encodeURIComponent(token)}`);
    expect(details.status).toBe(200);

    for (const refused of [
      await fetch(`${control}/v1/dashboard`),
      await fetch(`${control}/v1/dashboard`, { headers: { authorization: 'Bearer not-the-token-of-this-launch' } }),
      await fetch(`${control}/v1/devices/HK-SIM-000001/details`),
      await fetch(`${control}/?token=not-the-token-of-this-launch`),
    ]) {
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('HK-SIM');
    }
  });
});

describe.skipIf(process.platform === 'win32')('hkey sim --open', () => {
  test('the browser gets a user-only file that forwards to the address; the token is never on its command line', async () => {
    const log = join(dir, 'opened.txt');
    const bin = await fakeBrowser(log);
    const running = spawnHkey(['sim', '--json', '--open', ...PORTS], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` }, timeoutMs: 60_000 });
    try {
      const ready = await running.nextEvent((event) => event.event === 'ready');
      const token = String(ready.controlToken);
      const args = (await until(() => readFile(log, 'utf8').catch(() => undefined))).trimEnd().split('\n');
      expect(args).toHaveLength(1);
      expect(args.join(' ')).not.toContain(token);
      expect(args.join(' ')).not.toContain(encodeURIComponent(token));
      const file = fileURLToPath(args[0] as string);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const forward = await readFile(file, 'utf8');
      expect(forward).toContain(`<meta http-equiv="refresh" content="0;url=${String(ready.dashboard)}">`);
      running.kill('SIGTERM');
      const run = await running.done;
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('could not open a browser');
      // The forwarding file, which holds the token, goes with the simulator.
      await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      running.kill('SIGKILL');
    }
  }, 60_000);

  test('without a browser to start, a warning and the simulator keeps serving', async () => {
    const empty = await mkdtemp(join(dir, 'no-browser-'));
    const running = spawnHkey(['sim', '--json', '--open', ...PORTS], { env: { PATH: empty }, timeoutMs: 60_000 });
    try {
      const ready = await running.nextEvent((event) => event.event === 'ready');
      const data = await fetch(`${String(ready.control)}/v1/dashboard`, { headers: { authorization: `Bearer ${String(ready.controlToken)}` } });
      expect(data.status).toBe(200);
      running.kill('SIGTERM');
      const run = await running.done;
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('warning: could not open a browser; open the dashboard address above yourself');
    } finally {
      running.kill('SIGKILL');
    }
  }, 60_000);

  test('an opener that finds no browser (non-zero exit) gets the same warning', async () => {
    const log = join(dir, 'failed-open.txt');
    const bin = await fakeBrowser(log, 3);
    const running = spawnHkey(['sim', '--json', '--open', ...PORTS], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` }, timeoutMs: 60_000 });
    try {
      await running.nextEvent((event) => event.event === 'ready');
      await until(() => readFile(log, 'utf8').catch(() => undefined));
      // The opener has run and exited 3; the simulator warns as it learns so, then keeps serving.
      await new Promise((resolve) => setTimeout(resolve, 500));
      running.kill('SIGTERM');
      const run = await running.done;
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('warning: could not open a browser');
    } finally {
      running.kill('SIGKILL');
    }
  }, 60_000);
});
