/**
 * `hkey sim` and the host commands against it, driven as child processes (stdin, non-TTY paths).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hkey, spawnHkey, startSim } from './cli-harness.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
let dir: string;
let sim: Awaited<ReturnType<typeof startSim>>;
let transport: string;

function oathtool(args: string[]): string | undefined {
  try {
    return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-cli-'));
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--state', join(dir, 'key.json'), '--clock', '2000000000']);
  const devices = sim.ready.devices as { udp: string }[];
  transport = devices[0]!.udp;
});

afterAll(async () => {
  await sim?.stop();
});

describe('hkey sim', () => {
  test('prints a ready event with its endpoints', () => {
    expect(sim.ready).toMatchObject({ event: 'ready', devices: [{ serial: 'HK-SIM-000001' }] });
    expect(transport).toMatch(/^udp:\/\/127\.0\.0\.1:\d+$/);
  });

  test('--workers 2: three keys on two threads, one simulator to its clients; a damaged file of a key on a worker is exit 8', async () => {
    const state = join(dir, 'fleet.json');
    const fleet = await startSim(['--devices', '3', '--workers', '2', '--udp', '0', '--control-port', '0', '--ble-port', '0', '--state', state]);
    const devices = fleet.ready.devices as { serial: string; udp: string }[];
    expect(devices.map((device) => device.serial)).toEqual(['HK-SIM-000001', 'HK-SIM-000002', 'HK-SIM-000003']);
    const info = await hkey(['--transport', devices[2]!.udp, 'info', '--json']);
    expect(JSON.parse(info.stdout)).toMatchObject({ serial: 'HK-SIM-000003' });
    await fleet.control('POST', '/v1/devices/HK-SIM-000001/battery', { percent: 30 });
    const stopped = await fleet.stop();
    expect(stopped.code).toBe(0);
    // --json streams the events of keys on both workers.
    const events = stopped.stdout
      .split('\n')
      .filter((line) => line.includes('"event":"device"'))
      .map((line) => JSON.parse(line) as { serial: string; type: string });
    expect(events.some((event) => event.serial === 'HK-SIM-000003' && event.type === 'command')).toBe(true);
    expect(events.some((event) => event.serial === 'HK-SIM-000001' && event.type === 'state')).toBe(true);
    await writeFile(join(dir, 'fleet-3.json'), '{"format":"hkey-state","version":1,"checksum":"sha256:00","encryption":null,"payload":"{}"}');
    const refused = await hkey(['sim', '--devices', '3', '--workers', '2', '--udp', '0', '--control-port', '0', '--ble-port', '0', '--state', state]);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toMatch(/checksum.*--reset-state/);
  });

  test('a taken port is an error, never a silent other port', async () => {
    const port = transport.split(':').at(-1) as string;
    const run = await hkey(['sim', '--udp', port, '--control-port', '0', '--ble-port', '0']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/already in use/);
  });

  test('flushes and exits 0 on SIGINT (--no-events: no event lines); a damaged state file is refused until --reset-state', async () => {
    const state = join(dir, 'other.json');
    const other = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--state', state, '--no-events']);
    await other.control('POST', '/v1/devices/HK-SIM-000001/battery', { percent: 30 });
    const quiet = await other.stop('SIGINT');
    expect(quiet.code).toBe(0);
    // --no-events: the ready and stopped lines only.
    expect(
      quiet.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { event: string }).event),
    ).toEqual(['ready', 'stopped']);
    expect(JSON.parse(await readFile(state, 'utf8'))).toMatchObject({ format: 'hkey-state', version: 2 });
    await writeFile(state, '{"format":"hkey-state","version":1,"checksum":"sha256:00","encryption":null,"payload":"{}"}');
    const refused = await hkey(['sim', '--udp', '0', '--control-port', '0', '--ble-port', '0', '--state', state]);
    expect(refused.code).toBe(8);
    expect(refused.stderr).toMatch(/checksum.*--reset-state/);
    const reset = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--state', state, '--reset-state']);
    expect((await reset.stop()).code).toBe(0);
  });
});

describe('state encryption (docs/protocol.md §8.4)', () => {
  const passphrase = { HKEY_STATE_PASSPHRASE: 'cli state passphrase' };
  const ports = ['--udp', '0', '--control-port', '0', '--ble-port', '0'];

  test('with a passphrase a plaintext state file is refused until --encrypt-state encrypts it in place', async () => {
    const state = join(dir, 'plain.json');
    expect((await (await startSim([...ports, '--state', state])).stop()).code).toBe(0);
    const refused = await hkey(['sim', ...ports, '--state', state], { env: passphrase });
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain(`hkey sim --state ${state} --encrypt-state`);
    const encrypted = await hkey(['sim', '--state', state, '--encrypt-state', '--json'], { env: passphrase });
    expect(encrypted.code).toBe(0);
    expect(JSON.parse(encrypted.stdout)).toMatchObject({ event: 'state-encrypted', file: state, wasPlaintext: true });
    expect(JSON.parse(await readFile(state, 'utf8')).encryption).toMatchObject({ N: 131072, cipher: 'aes-256-gcm' });
    const served = spawnHkey(['sim', '--json', ...ports, '--state', state], { env: passphrase });
    await served.nextEvent((event) => event.event === 'ready');
    served.kill('SIGINT');
    expect((await served.done).code).toBe(0);
    expect((await hkey(['sim', '--encrypt-state'], { env: passphrase })).code).toBe(2);
    for (const run of [refused, encrypted]) expect(run.stdout + run.stderr).not.toContain(passphrase.HKEY_STATE_PASSPHRASE);
  });

  test('--transport virtual keeps the same rule for its state file', async () => {
    const env = { HKEY_VIRTUAL_STATE: join(dir, 'virtual.json') };
    expect((await hkey(['-t', 'virtual', 'accounts', 'add', '--name', 'v', '--password-stdin'], { env, stdin: 'pw\n' })).code).toBe(0);
    const refused = await hkey(['-t', 'virtual', 'accounts', 'list'], { env: { ...env, ...passphrase } });
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain(`hkey sim --state ${env.HKEY_VIRTUAL_STATE} --encrypt-state`);
    expect((await hkey(['sim', '--state', env.HKEY_VIRTUAL_STATE, '--encrypt-state'], { env: passphrase })).code).toBe(0);
    const listed = await hkey(['-t', 'virtual', 'accounts', 'list'], { env: { ...env, ...passphrase } });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('v');
  });
});

describe('host commands over UDP', () => {
  test('info --json', async () => {
    const run = await hkey(['--transport', transport, 'info', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ serial: 'HK-SIM-000001', protocolVersion: 1, pinState: 'NOT_SET' });
  });

  test('time set, accounts add from stdin, list, otp agrees with oathtool', async () => {
    expect((await hkey(['--transport', transport, 'time', 'set', '1234567890'])).code).toBe(0);
    const add = await hkey(
      ['--transport', transport, 'accounts', 'add', '--name', 'github', '--totp', '--algorithm', 'sha256', '--digits', '8', '--secret-stdin'],
      { stdin: `${SECRET}\n` },
    );
    expect(add.code).toBe(0);
    expect(add.stdout + add.stderr).not.toContain(SECRET);
    const list = await hkey(['--transport', transport, 'accounts', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: 'github', otp: { kind: 'TOTP', algorithm: 'SHA256', digits: 8 } }]);
    const code = await hkey(['--transport', transport, 'otp', 'github', '--json']);
    const result = JSON.parse(code.stdout) as { code: string; validUntil: number };
    expect(result.code).toMatch(/^\d{8}$/);
    const expected = oathtool([
      '--totp=sha256',
      '--digits=8',
      '-b',
      `--now=${new Date(1234567890 * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC')}`,
      SECRET,
    ]);
    if (expected !== undefined) expect(result.code).toBe(expected);
    const plain = await hkey(['--transport', transport, 'otp', 'GITHUB']);
    expect(plain.stdout.trim()).toMatch(/^\d{8}$/);
  });

  test('hotp with a counter', async () => {
    const add = await hkey(['--transport', transport, 'accounts', 'add', '--name', 'counter', '--hotp', '--counter', '5', '--secret-stdin'], { stdin: SECRET });
    expect(add.code).toBe(0);
    const run = await hkey(['--transport', transport, 'otp', 'counter', '--json']);
    const expected = oathtool(['--hotp', '-b', '--counter=5', SECRET]);
    const parsed = JSON.parse(run.stdout) as { code: string; counter: number };
    expect(parsed.counter).toBe(5);
    if (expected !== undefined) expect(parsed.code).toBe(expected);
  });

  test('bad input is refused before anything is written, with stable exit codes', async () => {
    const before = JSON.parse((await hkey(['--transport', transport, 'info', '--json'])).stdout) as { accountCount: number };
    const badSecret = await hkey(['--transport', transport, 'accounts', 'add', '--name', 'x', '--secret-stdin'], { stdin: 'JBSWY3DP!HPK3PXP' });
    expect(badSecret.code).toBe(2);
    expect(badSecret.stderr).toMatch(/position 8/);
    expect(badSecret.stderr).not.toContain('JBSWY3DP');
    const noSecret = await hkey(['--transport', transport, 'accounts', 'add', '--name', 'x', '--totp']);
    expect(noSecret.code).toBe(2);
    const badDigits = await hkey(['--transport', transport, 'accounts', 'add', '--name', 'x', '--digits', '9', '--secret-stdin'], { stdin: SECRET });
    expect(badDigits.code).toBe(2);
    const after = JSON.parse((await hkey(['--transport', transport, 'info', '--json'])).stdout) as { accountCount: number };
    expect(after.accountCount).toBe(before.accountCount);
    const missing = await hkey(['--transport', transport, 'otp', 'nope', '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'ACCOUNT_NOT_FOUND' } });
    const taken = await hkey(['--transport', transport, 'accounts', 'add', '--name', 'github']);
    expect(taken.code).toBe(4);
    expect(taken.stderr).not.toMatch(/\n\s+at /);
  });

  test('no key at the address: exit 3 with a next step', async () => {
    const run = await hkey(['--transport', 'udp://127.0.0.1:9', 'info', '--timeout', '500']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/hkey sim/);
  });

  // Found by the CLI argument fuzzer (test/reliability/cli-args-fuzz.test.ts): each exited 1, "unexpected failure".
  test.each([
    { argv: ['--transport', 'ws://127.0.0.1:9', 'info', '--json'], code: 3, error: 'BRIDGE_UNAVAILABLE' },
    { argv: ['--transport', 'ws://[', 'info', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
    { argv: ['--transport', 'udp://127.0.0.1:9', '--timeout', '300', 'conformance', '--json'], code: 3, error: 'TARGET_UNREACHABLE' },
    { argv: ['--transport', 'udp://127.0.0.1:9', 'time', 'set', '', '--json'], code: 2, error: 'commander.invalidArgument' },
  ])('hkey $argv.0 $argv.1 $argv.2: exit $code with $error', async ({ argv, code, error }) => {
    const run = await hkey(argv);
    expect(run.code).toBe(code);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: error } });
  });

  test('--help shows examples and exit codes', async () => {
    const run = await hkey(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Examples:/);
    expect(run.stdout).toMatch(/Exit codes:/);
  });
});
