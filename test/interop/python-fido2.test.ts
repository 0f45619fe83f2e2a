/**
 * Interop with a FIDO client and relying party nobody here wrote: Debian's python3-fido2 registers and logs in
 * (second factor and passwordless), verifies the packed attestation, sets a PIN with both PIN/UV auth protocols,
 * manages credentials and speaks U2F, against a virtual key over UDP CTAPHID (docs/protocol.md §9).
 * CI installs python3-fido2; elsewhere the test is skipped when it is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Simulator } from '@hkey/firmware-sim/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python_fido2_client.py', import.meta.url));

function hasPythonFido2(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import fido2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = hasPythonFido2();
if (!available && process.env.CI) throw new Error('CI must have python3-fido2 (apt-get install python3-fido2).');

describe.skipIf(!available)('python-fido2 against the virtual key over UDP', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await Simulator.start({ devices: 1, udpPort: 0, blePort: null, presence: 'auto-approve' });
  });
  afterAll(() => simulator.close());

  test('registers, logs in, verifies attestation, manages PIN and credentials, speaks U2F', async () => {
    const { udp } = simulator.devices[0]!;
    const child = spawn(PYTHON, [SCRIPT, udp.host, String(udp.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr, 'python-fido2 reported a failure').toBe('');
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { check?: string; ok?: boolean; done?: boolean; counter?: number });
    const checks = lines.filter((line) => line.check !== undefined);
    expect(checks.map((line) => line.check)).toEqual([
      'getInfo',
      'register second factor',
      'login second factor',
      'client pin',
      'passwordless',
      'credential management',
      'u2f',
    ]);
    expect(checks.every((line) => line.ok)).toBe(true);
    // One global signature counter: every signature the key made moved it on.
    const counters = checks.map((line) => line.counter).filter((counter): counter is number => counter !== undefined);
    expect(counters).toEqual([...counters].sort((a, b) => a - b));
    expect(new Set(counters).size).toBe(counters.length);
    expect(lines.at(-1)).toEqual({ done: true });
  }, 60_000);
});
