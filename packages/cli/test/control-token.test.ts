/**
 * The simulator's control API behind its launch token, as `hkey sim` publishes it, and everything that talks to it:
 * `hkey conformance --control`, and the loopback-only promise under --allow-remote.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hkey, startSim, type Sim } from './cli-harness.js';

let sim: Sim;

beforeAll(async () => {
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0']);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

const control = (): string => String(sim.ready.control);
const token = (): string => String(sim.ready.controlToken);

describe('hkey sim', () => {
  test('the --json ready line carries a random control token; the control URL does not', async () => {
    expect(token()).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(control()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${control()}/v1/devices`)).status).toBe(401);
    expect((await fetch(`${control()}/v1/devices`, { headers: { authorization: `Bearer ${token()}` } })).status).toBe(200);
    expect((await fetch(`${control()}/v1/devices?token=${token()}`)).status).toBe(200);
  });

  test('--control-token shorter than 16 characters is a usage error that does not repeat it', async () => {
    const run = await hkey(['sim', '--udp', '0', '--control-port', '0', '--ble-port', '0', '--control-token', 'sesame-123', '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout || run.stderr)).toMatchObject({ error: { code: 'USAGE_CONTROL_TOKEN' } });
    expect(run.stdout + run.stderr).not.toContain('sesame-123');
  });

  test('--control-token sets the token for fixed setups', async () => {
    const fixed = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--control-token', 'fixed-ci-token-0123456789']);
    try {
      expect(fixed.ready.controlToken).toBe('fixed-ci-token-0123456789');
      const url = String(fixed.ready.control);
      expect((await fetch(`${url}/v1/devices`, { headers: { authorization: 'Bearer fixed-ci-token-0123456789' } })).status).toBe(200);
      expect((await fetch(`${url}/v1/devices`, { headers: { authorization: `Bearer ${token()}` } })).status).toBe(401);
    } finally {
      await fixed.stop();
    }
  });

  test('with --allow-remote the keys go beyond loopback, the control API does not, and the warning says so', async () => {
    const remote = await startSim(['--host', '0.0.0.0', '--allow-remote', '--udp', '0', '--control-port', '0', '--ble-port', '0']);
    try {
      expect(String(remote.ready.control)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(remote.transports[0]).toMatch(/^udp:\/\/0\.0\.0\.0:\d+$/);
    } finally {
      const { stderr } = await remote.stop();
      expect(stderr).toMatch(
        new RegExp(
          String.raw`listen on 0\.0\.0\.0: anyone who can reach it can use them over UDP HID \(port \d+\) ` +
            String.raw`and the BLE link \(TCP port \d+\); the control API stays on http://127\.0\.0\.1:\d+`,
        ),
      );
    }
  });
});

describe('hkey conformance --control', () => {
  const run = (args: string[], env?: Record<string, string>) =>
    hkey(['--transport', sim.transports[0] as string, 'conformance', '--only', 'SEM-11', '--json', ...args], { env, timeoutMs: 60_000 });
  const outcome = (stdout: string): string | undefined =>
    (JSON.parse(stdout) as { results: { id: string; outcome: string }[] }).results.find((result) => result.id === 'SEM-11')?.outcome;

  test('reads the token from --control-token, HKEY_CONTROL_TOKEN or the URL', async () => {
    for (const [args, env] of [
      [['--control', control(), '--control-token', token()], undefined],
      [['--control', control()], { HKEY_CONTROL_TOKEN: token() }],
      [['--control', `${control()}?token=${token()}`], undefined],
    ] as const) {
      const result = await run([...args], env);
      expect(result.code, result.stderr).toBe(0);
      expect(outcome(result.stdout)).toBe('pass');
    }
  }, 120_000);

  test('without the token the control API refuses the suite, and the failure names no token', async () => {
    const result = await run(['--control', control()]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('TOKEN_REQUIRED');
    expect(result.stdout + result.stderr).not.toContain(token());
  }, 60_000);
});
