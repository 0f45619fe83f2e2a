/**
 * The sealed-provisioning commands' other paths: a team's manufacturer CA (`hkey sim --attestation-ca`, then
 * `--manufacturer-ca`), handing a key over to another issuer, and the usage errors of seal and provision bundle.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Sim, hkey, startSim } from './cli-harness.js';

let dir: string;
let sim: Sim;
const env = { HKEY_ISSUER_PASSPHRASE: randomBytes(12).toString('base64url') };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-sealed-commands-'));
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
      '/CN=team CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ],
    { stdio: 'ignore' },
  );
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--attestation-ca', dir]);
}, 30_000);

afterAll(async () => {
  await sim?.stop();
});

describe('hkey identity with a team CA', () => {
  test('the keys of `hkey sim --attestation-ca DIR` verify under DIR/ca.pem, and not under the simulator root (exit 7)', async () => {
    const team = await hkey(['--transport', sim.transports[0]!, 'identity', '--manufacturer-ca', join(dir, 'ca.pem'), '--json']);
    expect(team.code).toBe(0);
    await writeFile(join(dir, 'inventory.jsonl'), team.stdout);
    const simulatorRoot = await hkey(['--transport', sim.transports[0]!, 'identity', '--json']);
    expect(simulatorRoot.code).toBe(7);
    expect(simulatorRoot.stdout).toBe('');
    expect(simulatorRoot.stderr).toContain('does not end in the manufacturer root');
  });

  test('hkey seal refuses an inventory that does not chain to its manufacturer CA (exit 7), and a row without serial (exit 2)', async () => {
    expect((await hkey(['issuer', 'init', '--out', join(dir, 'issuer.key')], { env })).code).toBe(0);
    await writeFile(join(dir, 'batch.csv'), `serial,name,secret\n${sim.serials[0]},a,JBSWY3DPEHPK3PXP\n`);
    const base = ['seal', '--issuer', join(dir, 'issuer.key'), '--inventory', join(dir, 'inventory.jsonl'), join(dir, 'batch.csv')];
    const untrusted = await hkey([...base, '--out', join(dir, 'b1'), '--json'], { env });
    expect(untrusted.code).toBe(7);
    expect(untrusted.stderr).toContain('IDENTITY_UNTRUSTED');
    await writeFile(join(dir, 'no-serial.csv'), 'name,secret\na,JBSWY3DPEHPK3PXP\n');
    const noSerial = await hkey([...base.slice(0, -1), join(dir, 'no-serial.csv'), '--out', join(dir, 'b2'), '--manufacturer-ca', join(dir, 'ca.pem')], {
      env,
    });
    expect(noSerial.code).toBe(2);
    expect(noSerial.stderr).toContain('column serial');
    const sealed = await hkey([...base, '--out', join(dir, 'b3'), '--manufacturer-ca', join(dir, 'ca.pem'), '--valid-for', '1h', '--json'], { env });
    expect(sealed.code).toBe(0);
  });
});

describe('hkey issuer', () => {
  test('enroll, then handover to a second issuer; enrolling another issuer without handover is refused (exit 4)', async () => {
    const transport = ['--transport', sim.transports[0]!];
    expect((await hkey(['issuer', 'init', '--out', join(dir, 'second.key')], { env })).code).toBe(0);
    expect((await hkey([...transport, 'issuer', 'enroll', '--issuer', join(dir, 'issuer.pub')])).code).toBe(0);
    const refused = await hkey([...transport, 'issuer', 'enroll', '--issuer', join(dir, 'second.pub'), '--json']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('ISSUER_MISMATCH');
    const handover = await hkey([...transport, 'issuer', 'handover', '--issuer', join(dir, 'issuer.key'), '--to', join(dir, 'second.pub'), '--json'], { env });
    expect(handover.code).toBe(0);
    const identity = await hkey([...transport, 'identity', '--manufacturer-ca', join(dir, 'ca.pem'), '--json']);
    const second = JSON.parse((await hkey(['issuer', 'init', '--out', join(dir, 'third.key'), '--json'], { env })).stdout) as { issuerId: string };
    expect(JSON.parse(identity.stdout).issuerId).toBe(JSON.parse(handover.stdout).issuerId);
    expect(JSON.parse(handover.stdout).issuerId).not.toBe(second.issuerId);
  });
});

describe('hkey provision bundle', () => {
  test('a bundle whose items file changed since bundle.json is refused before any key is touched (exit 2)', async () => {
    await writeFile(join(dir, 'b3', 'items', `${sim.serials[0]}.jsonl`), '\n', { flag: 'a' });
    const run = await hkey([
      '--transport',
      sim.transports[0]!,
      'provision',
      'bundle',
      join(dir, 'b3'),
      '--audit',
      join(dir, 'audit.jsonl'),
      '--receipts',
      join(dir, 'r.jsonl'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('differs from what bundle.json records');
  });

  test('--help shows examples and the shared options', async () => {
    const run = await hkey(['provision', 'bundle', '--help']);
    expect(run.stdout).toContain('hkey provision bundle ./bundle');
    expect(run.stdout).toContain('--receipts');
  });
});
