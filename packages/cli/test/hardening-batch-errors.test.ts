/**
 * Errors about a batch file never repeat its cells: an unknown column is named by its position, since a file
 * without a header line has a data row (often with a secret) where the header belongs, and any other file
 * (`hkey provision /etc/passwd`) would have a line of its own repeated. Ends with the secret scan.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { hkey, transcript } from './cli-harness.js';
import { findLeaks, freshSecret } from './secret-scan.js';

let dir: string;
const secrets: Uint8Array[] = [];

function secret(): string {
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  return fresh.base32;
}

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const provisionDryRun = (path: string, json = false) =>
  hkey(['provision', path, '--dry-run', '--audit', join(dir, 'audit.jsonl'), ...(json ? ['--json'] : [])]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-hardening-batch-'));
});

test('a CSV without a header line: its first secret is not printed, the column is named by position', { timeout: 30_000 }, async () => {
  const first = secret();
  const path = await file('headerless.csv', `${first},github,alice\n${secret()},mail,bob\n`);
  for (const json of [false, true]) {
    const run = await provisionDryRun(path, json);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).not.toContain(first);
    if (json)
      expect(JSON.parse(run.stderr)).toMatchObject({
        error: { code: 'BATCH_UNKNOWN_COLUMN', message: expect.stringMatching(/^Column 1 of the header of .*headerless\.csv is not a known column/) },
      });
    else expect(run.stderr).toMatch(/^error: Column 1 of the header of .*headerless\.csv is not a known column \(the columns are serial, name,/);
  }
  // A typo further along is named by its position too, not repeated.
  const typo = await provisionDryRun(await file('typo.csv', `name,sceret\nx,${secret()}\n`));
  expect(typo.stderr).toMatch(/Column 2 of the header/);
  expect(typo.stderr).not.toContain('sceret');
});

test('a file that is no batch at all (a passwd file) does not have its first line repeated', { timeout: 30_000 }, async () => {
  const line = 'root:x:0:0:root:/root:/bin/bash';
  const run = await provisionDryRun(await file('passwd', `${line}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n`));
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/Column 1 of the header/);
  expect(run.stdout + run.stderr).not.toContain('root:x');
});

test('a JSON row with an unknown key (a secret pasted as a key) names the key by position', { timeout: 30_000 }, async () => {
  const pasted = secret();
  const path = await file(
    'keys.json',
    JSON.stringify([
      { name: 'a', secret: secret() },
      { name: 'b', [pasted]: 'x' },
    ]),
  );
  const run = await provisionDryRun(path, true);
  expect(run.code).toBe(2);
  expect(run.stderr).not.toContain(pasted);
  expect(JSON.parse(run.stderr)).toMatchObject({
    error: { code: 'BATCH_UNKNOWN_COLUMN', message: expect.stringMatching(/^Key 2 of row 2 of .*keys\.json is not a known column/) },
  });
});

test('two rows for one key and name: the problem names the rows, not the serial cell', { timeout: 30_000 }, async () => {
  // Shown in the plan as the row's key (that is its job), but repeated in no error.
  const cell = `HK-CELL-${Date.now()}`;
  const shared = secret();
  const path = await file('twice.csv', `serial,name,secret\n${cell},twice,${shared}\n${cell},twice,${shared}\n`);
  const run = await provisionDryRun(path, true);
  expect(run.code).toBe(2);
  const plan = JSON.parse(run.stdout) as { problems: { row: number; code: string; message: string }[] };
  expect(plan.problems).toEqual([expect.objectContaining({ row: 2, code: 'BATCH_DUPLICATE' })]);
  expect(plan.problems[0]!.message).not.toContain(cell);
});

test('no secret used here appears in any output', async () => {
  expect(await findLeaks({ secrets, outputs: transcript, files: [] })).toEqual([]);
});
