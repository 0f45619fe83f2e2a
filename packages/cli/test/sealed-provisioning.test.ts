/**
 * Issue 15's demo, end to end through `hkey`: an issuer reads the identities of 8 simulated keys, enrolls on them,
 * seals a batch; a relay provisions the bundle with one key's item tampered with, one item replayed and one key
 * missing; the receipts prove exactly that; a re-run resumes; the relay's outputs and files hold no secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Sim, hkey, jsonLines, setPresent, startSim, transcript } from './cli-harness.js';
import { filesUnder, findLeaks, freshSecret } from './secret-scan.js';
import { verifyTotp } from '../src/otp-verify.js';

const KEYS = 8;
const ROWS_PER_KEY = 3;
const passphrase = randomBytes(12).toString('base64url');
const env = { HKEY_ISSUER_PASSPHRASE: passphrase };
let dir: string;
let sim: Sim;
const secrets: Uint8Array[] = [];
const passwords: string[] = [];
const rows: { serial: string; name: string; secret: Uint8Array }[] = [];
/** Where the relay works: its own copy of the bundle, its receipts and audit log. */
let relay: string;
const relayOutputs: string[] = [];

const all = (): string => sim.transports.join(',');
const serial = (index: number): string => sim.serials[index]!;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-sealed-'));
  relay = join(dir, 'relay');
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--devices', String(KEYS)]);
}, 30_000);

afterAll(async () => {
  await sim?.stop();
});

describe('the issuer', () => {
  test('hkey identity --all --json: one verified inventory line per key, no secret', async () => {
    const run = await hkey(['--transport', all(), 'identity', '--all', '--json']);
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((line) => line.serial)).toEqual(sim.serials);
    expect(lines[0]).toMatchObject({ lifecycle: 'READY' });
    expect(Object.keys(lines[0]!).sort()).toEqual(['chain', 'kemPublicKey', 'lifecycle', 'serial', 'signingPublicKey']);
    await writeFile(join(dir, 'inventory.jsonl'), run.stdout);
  });

  test('hkey issuer init: an encrypted owner-only key and its public key; never overwritten', async () => {
    const run = await hkey(['issuer', 'init', '--out', join(dir, 'issuer.key'), '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ event: 'issuer', publicKey: join(dir, 'issuer.pub') });
    expect((await stat(join(dir, 'issuer.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'issuer.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await hkey(['issuer', 'init', '--out', join(dir, 'issuer.key')], { env });
    expect(again.code).toBe(2);
    const wrong = await hkey(['issuer', 'handover', '--issuer', join(dir, 'issuer.key'), '--to', join(dir, 'issuer.pub'), '--json'], {
      env: { HKEY_ISSUER_PASSPHRASE: 'not the passphrase' },
    });
    expect(wrong.stderr).toContain('ISSUER_WRONG_PASSPHRASE');
  });

  test('hkey issuer enroll on every key (the simulator approves the press); the key is then Active', async () => {
    const runs = await Promise.all(
      sim.transports.map((transport) => hkey(['--transport', transport, 'issuer', 'enroll', '--issuer', join(dir, 'issuer.pub'), '--json'])),
    );
    expect(runs.map((run) => run.code)).toEqual(Array(KEYS).fill(0));
    const identity = await hkey(['--transport', sim.transports[0]!, 'identity', '--json']);
    expect(JSON.parse(identity.stdout)).toMatchObject({ lifecycle: 'ACTIVE', sequence: 0 });
  });

  test('hkey seal: a bundle of HPKE items, numbered per key, with no secret in it', async () => {
    const lines = ['serial,name,password,secret'];
    for (let index = 0; index < KEYS; index++) {
      for (let row = 0; row < ROWS_PER_KEY; row++) {
        const fresh = freshSecret();
        const password = `pw-${randomBytes(9).toString('base64url')}`;
        secrets.push(fresh.bytes);
        passwords.push(password);
        rows.push({ serial: serial(index), name: `account-${row}`, secret: fresh.bytes });
        lines.push(`${serial(index)},account-${row},${password},${fresh.base32}`);
      }
    }
    await writeFile(join(dir, 'batch.csv'), `${lines.join('\n')}\n`);
    const run = await hkey(
      [
        'seal',
        '--issuer',
        join(dir, 'issuer.key'),
        '--inventory',
        join(dir, 'inventory.jsonl'),
        join(dir, 'batch.csv'),
        '--out',
        join(dir, 'bundle'),
        '--json',
      ],
      { env },
    );
    expect(run.code).toBe(0);
    const sealed = JSON.parse(run.stdout) as { keys: { serial: string; items: number; first: number; last: number }[] };
    expect(sealed.keys).toHaveLength(KEYS);
    expect(sealed.keys[0]).toMatchObject({ items: ROWS_PER_KEY, first: 1, last: ROWS_PER_KEY });
    const leaks = await findLeaks({ secrets, texts: passwords, outputs: [run.stdout, run.stderr], files: await filesUnder(join(dir, 'bundle')) });
    expect(leaks).toEqual([]);
  });
});

/** The relay's copy: key 2's item 2 altered, key 3's item 1 sent again after item 2 (bundle.json updated to match, as any relay can). */
async function tamperedCopy(): Promise<void> {
  await cp(join(dir, 'bundle'), relay, { recursive: true });
  const manifestPath = join(relay, 'bundle.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { keys: { serial: string; items: number; sha256: string }[] };
  const edit = async (serialOf: string, change: (lines: string[]) => string[]): Promise<void> => {
    const path = join(relay, 'items', `${serialOf}.jsonl`);
    const lines = change((await readFile(path, 'utf8')).trim().split('\n'));
    const text = `${lines.join('\n')}\n`;
    await writeFile(path, text);
    const key = manifest.keys.find((candidate) => candidate.serial === serialOf)!;
    key.items = lines.length;
    key.sha256 = createHash('sha256').update(text).digest('base64url');
  };
  await edit(serial(1), (lines) => {
    const item = JSON.parse(lines[1]!) as { ciphertext: string };
    const flipped = item.ciphertext[10] === 'A' ? 'B' : 'A';
    item.ciphertext = `${item.ciphertext.slice(0, 10)}${flipped}${item.ciphertext.slice(11)}`;
    return [lines[0]!, JSON.stringify(item), ...lines.slice(2)];
  });
  await edit(serial(2), (lines) => [lines[0]!, lines[1]!, lines[0]!, ...lines.slice(2)]);
  await writeFile(manifestPath, JSON.stringify(manifest));
}

describe('the relay and the receipts', () => {
  const receipts = (): string => join(dir, 'receipts.jsonl');
  const relayArgs = (): string[] => [
    '--transport',
    all(),
    'provision',
    'bundle',
    relay,
    '--parallel',
    '4',
    '--audit',
    join(dir, 'audit.jsonl'),
    '--receipts',
    receipts(),
    '--json',
  ];

  test('hkey provision bundle: a tampered item stops its key, a replay is refused, a missing key is reported (exit 9)', async () => {
    await tamperedCopy();
    await setPresent(sim, serial(7), false);
    const run = await hkey(relayArgs(), { timeoutMs: 60_000 });
    relayOutputs.push(run.stdout, run.stderr);
    expect(run.code).toBe(9);
    const summary = jsonLines(run.stdout).find((event) => event.event === 'summary') as {
      counts: Record<string, number>;
      items: { serial: string; row: number; result: string; code?: string }[];
    };
    expect(summary.counts).toEqual({ applied: KEYS * ROWS_PER_KEY - 1 - 1 - ROWS_PER_KEY, skipped: 1, refused: 1, notSent: 1 + ROWS_PER_KEY });
    const on = (index: number) => summary.items.filter((item) => item.serial === serial(index)).map((item) => [item.row, item.result, item.code]);
    expect(on(1)).toEqual([
      [1, 'ok', undefined],
      [2, 'failed', 'SEALED_BAD_SIGNATURE'],
      [3, 'not-reached', 'SEALED_BLOCKED'],
    ]);
    expect(on(2)).toEqual([
      [1, 'ok', undefined],
      [1, 'skipped', 'SEALED_REPLAY'],
      [2, 'ok', undefined],
      [3, 'ok', undefined],
    ]);
    expect(on(7).map(([, result, code]) => [result, code])).toEqual(Array(ROWS_PER_KEY).fill(['not-reached', 'NO_DEVICE']));
    expect((await stat(receipts())).mode & 0o777).toBe(0o600);
  }, 90_000);

  test('hkey receipts verify: exactly what landed on which genuine key (exit 9)', async () => {
    const run = await hkey(['receipts', 'verify', '--issuer', join(dir, 'issuer.pub'), '--bundle', join(dir, 'bundle'), receipts(), '--json']);
    expect(run.code).toBe(9);
    const report = JSON.parse(run.stdout) as {
      counts: Record<string, number>;
      items: { serial: string; sequence: number; outcome: string; status?: string; altered?: boolean; replaysRefused?: number }[];
    };
    expect(report.counts).toEqual({
      applied: KEYS * ROWS_PER_KEY - 2 - ROWS_PER_KEY,
      refused: 1,
      missing: 1 + ROWS_PER_KEY,
      invalidReceipts: 0,
      otherReceipts: 0,
    });
    const notApplied = report.items.filter((item) => item.outcome !== 'applied');
    expect(notApplied).toEqual([
      { serial: serial(1), sequence: 2, outcome: 'refused', status: 'SEALED_BAD_SIGNATURE', altered: true },
      { serial: serial(1), sequence: 3, outcome: 'missing' },
      ...[1, 2, 3].map((sequence) => ({ serial: serial(7), sequence, outcome: 'missing' })),
    ]);
    expect(report.items.find((item) => item.serial === serial(2) && item.sequence === 1)).toMatchObject({ outcome: 'applied', replaysRefused: 1 });
    const human = await hkey(['receipts', 'verify', '--issuer', join(dir, 'issuer.pub'), '--bundle', join(dir, 'bundle'), receipts()]);
    expect(human.stdout).toContain('19 applied, 1 refused, 4 missing');
  });

  test('a receipt not signed by its key fails verification (exit 7)', async () => {
    const lines = (await readFile(receipts(), 'utf8')).trim().split('\n');
    const forged = JSON.parse(lines[0]!) as { receipt: string; signature: string };
    forged.signature = `${forged.signature[0] === 'A' ? 'B' : 'A'}${forged.signature.slice(1)}`;
    const path = join(dir, 'forged.jsonl');
    await writeFile(path, `${lines.join('\n')}\n${JSON.stringify(forged)}\n`);
    const run = await hkey(['receipts', 'verify', '--issuer', join(dir, 'issuer.pub'), '--bundle', join(dir, 'bundle'), path, '--json']);
    expect(run.code).toBe(7);
    expect(JSON.parse(run.stdout)).toMatchObject({ counts: { invalidReceipts: 1 } });
  });

  test('the accounts work: the key computes the codes of the secrets the relay never saw', async () => {
    const row = rows.find((candidate) => candidate.serial === serial(0))!;
    const run = await hkey(['--transport', sim.transports[0]!, 'otp', row.name, '--json']);
    const { code } = JSON.parse(run.stdout) as { code: string };
    expect(verifyTotp({ secret: row.secret, token: code, time: Date.now() / 1000 }).valid).toBe(true);
  });

  test('a re-run resumes: taken items are skipped, the missing key gets its items, the blocked key stays blocked', async () => {
    await setPresent(sim, serial(7), true);
    const run = await hkey(relayArgs(), { timeoutMs: 60_000 });
    relayOutputs.push(run.stdout, run.stderr);
    expect(run.code).toBe(9);
    const summary = jsonLines(run.stdout).find((event) => event.event === 'summary') as { counts: Record<string, number> };
    expect(summary.counts).toEqual({ applied: ROWS_PER_KEY, skipped: KEYS * ROWS_PER_KEY - 2 - ROWS_PER_KEY + 1, refused: 1, notSent: 1 });
  }, 90_000);

  test('the secret scan: nothing the relay wrote or printed holds a secret or a password', async () => {
    const files = [...(await filesUnder(relay)), join(dir, 'receipts.jsonl'), join(dir, 'audit.jsonl'), join(dir, 'inventory.jsonl')];
    const leaks = await findLeaks({ secrets, texts: passwords, outputs: [...relayOutputs, ...transcript], files });
    expect(leaks).toEqual([]);
    expect(relayOutputs.length).toBeGreaterThan(0);
  });
});
