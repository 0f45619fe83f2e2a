/**
 * The provisioning audit log: created readable by its owner only, like the state files, with a random key beside
 * it (FILE.key, 0600) under which each row's contents are fingerprinted (HMAC-SHA256). A re-run skips a row it
 * wrote with the same contents, and reports a row whose secret changed since as changed (exit 10), instead of
 * skipping it. The log holds no secret and no plain hash of one. Runs on a virtual key in a temp state file.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { hkey, jsonLines, transcript } from './cli-harness.js';
import { findLeaks, freshSecret } from './secret-scan.js';

let dir: string;
let env: Record<string, string>;
const secrets: Uint8Array[] = [];

function secret(): { bytes: Uint8Array; base32: string } {
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  return fresh;
}

const provision = (batch: string, audit: string, ...extra: string[]) =>
  hkey(['provision', batch, '--parallel', '--transport', 'virtual', '--audit', audit, ...extra], { env });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-hardening-audit-'));
  env = { HKEY_VIRTUAL_STATE: join(dir, 'virtual-key.json') };
});

test('the audit log and its key are created 0600', { timeout: 30_000 }, async () => {
  const batch = join(dir, 'modes.csv');
  await writeFile(batch, `name,secret\nmodes-1,${secret().base32}\n`);
  const audit = join(dir, 'modes.jsonl');
  const run = await provision(batch, audit);
  expect(run.code, run.stderr).toBe(0);
  expect((await stat(audit)).mode & 0o777).toBe(0o600);
  expect((await stat(`${audit}.key`)).mode & 0o777).toBe(0o600);
});

test('a row whose secret changed since it was written is reported as changed, not skipped', { timeout: 60_000 }, async () => {
  const first = secret();
  const other = secret();
  const batch = join(dir, 'changed.csv');
  const audit = join(dir, 'changed.jsonl');
  await writeFile(batch, `name,secret\nchanged-1,${first.base32}\nchanged-2,${other.base32}\n`);
  expect((await provision(batch, audit)).code).toBe(0);

  const entries = jsonLines(await readFile(audit, 'utf8'));
  expect(entries).toHaveLength(2);
  for (const entry of entries) expect(entry.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  // Keyed: not a plain hash of the secret, which anyone reading the log could test guesses against.
  const plain = createHash('sha256').update(first.bytes).digest('hex');
  expect(entries.map((entry) => entry.fingerprint)).not.toContain(plain);

  const unchanged = await provision(batch, audit, '--json');
  expect(unchanged.code).toBe(0);
  expect(jsonLines(unchanged.stdout).at(-1)).toMatchObject({ counts: { ok: 0, skipped: 2, changed: 0 } });

  const replaced = secret();
  await writeFile(batch, `name,secret\nchanged-1,${replaced.base32}\nchanged-2,${other.base32}\n`);
  const dry = await hkey(['provision', batch, '--dry-run', '--audit', audit, '--json'], { env });
  expect((JSON.parse(dry.stdout) as { rows: { action: string }[] }).rows.map((row) => row.action)).toEqual(['changed', 'skip']);

  const rerun = await provision(batch, audit, '--json');
  expect(rerun.code).toBe(10);
  const summary = jsonLines(rerun.stdout).at(-1) as { counts: Record<string, number>; rows: { row: number; result: string; code?: string }[] };
  expect(summary.counts).toMatchObject({ ok: 0, skipped: 1, changed: 1, failed: 0 });
  expect(summary.rows[0]).toMatchObject({ row: 1, result: 'changed', code: 'BATCH_ROW_CHANGED' });
  const human = await provision(batch, audit);
  expect(human.code).toBe(10);
  expect(human.stdout).toMatch(/1 changed since the last run \(not written\)/);
  // Nothing was written for the changed row: the log still has the two first entries only.
  expect(jsonLines(await readFile(audit, 'utf8'))).toHaveLength(2);

  const help = await hkey(['--help']);
  expect(help.stdout).toMatch(/10 {3}.*changed since a run wrote them/);
});

test('a log with fingerprints but without its key is refused rather than guessed at', { timeout: 30_000 }, async () => {
  const batch = join(dir, 'keyless.csv');
  const audit = join(dir, 'keyless.jsonl');
  await writeFile(batch, `name,secret\nkeyless-1,${secret().base32}\n`);
  expect((await provision(batch, audit)).code).toBe(0);
  await writeFile(join(dir, 'elsewhere.jsonl'), await readFile(audit));
  const run = await hkey(['provision', batch, '--dry-run', '--audit', join(dir, 'elsewhere.jsonl')], { env });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/needs its key .*elsewhere\.jsonl\.key, which is missing/);
});

test('no secret used here appears in any output or file hkey wrote', async () => {
  const files = ['modes.jsonl', 'changed.jsonl', 'changed.jsonl.key', 'keyless.jsonl'].map((name) => join(dir, name));
  expect(await findLeaks({ secrets, outputs: transcript, files })).toEqual([]);
});
