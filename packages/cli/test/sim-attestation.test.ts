/** `hkey sim --attestation-ca DIR --attestation FORMAT`: the root in the ready line, and refusals (docs/protocol.md §9.7). */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { hkey, startSim } from './cli-harness.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-sim-attestation-'));
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'ca.key')], { stdio: 'ignore' });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-new',
      '-key',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=team test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: 'ignore' },
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('the ready line names the attestation root: the simulator root by default, the team CA with --attestation-ca', async () => {
  const plain = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0']);
  try {
    expect(new X509Certificate(plain.ready.attestationRoot as string).subject).toBe('C=US\nO=hkey virtual keys\nCN=hkey simulator attestation root');
  } finally {
    await plain.stop();
  }
  const team = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--attestation-ca', dir, '--attestation', 'packed']);
  try {
    const root = new X509Certificate(team.ready.attestationRoot as string);
    expect(root.fingerprint256).toBe(new X509Certificate(await readFile(join(dir, 'ca.pem'))).fingerprint256);
  } finally {
    await team.stop();
  }
});

test('a missing CA directory and an unknown format are usage errors (exit 2) that quote no key material', async () => {
  const missing = await hkey(['sim', '--udp', '0', '--control-port', '0', '--ble-port', '0', '--attestation-ca', join(dir, 'nowhere')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/ca\.pem/);
  const format = await hkey(['sim', '--attestation', 'basic']);
  expect(format.code).toBe(2);
  const key = await readFile(join(dir, 'ca.key'), 'utf8');
  expect(missing.stderr + missing.stdout).not.toContain(key.split('\n')[1]);
});
