/**
 * `hkey provision` against four simulated keys: 24 rows in parallel (one key locked by a PIN), 21 rows one key at
 * a time with the key swaps a technician makes simulated through the control API, rollback when a key's code
 * does not verify, resume from the audit log, dry runs and bad files. Ends with the secret scan.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase32, hotp } from '@hkey/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, type Sim, hkey, jsonLines, setPresent, spawnHkey, startSim, transcript } from './cli-harness.js';
import { filesUnder, findLeaks, freshSecret } from './secret-scan.js';
import { verifyTotp } from '../src/otp-verify.js';

let dir: string;
let sim: Sim;
const secrets: Uint8Array[] = [];
const inputs = new Set<string>();
const pin = String(randomInt(10_000_000, 100_000_000));

interface Row {
  serial?: string;
  name: string;
  login?: string;
  secret?: string;
  uri?: string;
  type?: string;
  digits?: number;
  counter?: number;
  flags?: string;
  /** What the key should compute, whichever columns carry it (not written to the file). */
  expected: { type: string; digits: number; counter: number };
}

function row(fields: Omit<Row, 'secret' | 'uri' | 'expected'>, form: 'secret' | 'uri' = 'secret'): Row {
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  const { type = 'totp', digits = 6, counter = 0, name, ...rest } = fields;
  const expected = { type, digits, counter };
  if (form === 'secret') return { ...fields, secret: fresh.base32, expected };
  const uri = `otpauth://${type}/${encodeURIComponent(name)}?secret=${fresh.base32}&digits=${digits}${type === 'hotp' ? `&counter=${counter}` : ''}`;
  return { ...rest, name, uri, expected };
}

const COLUMNS: (keyof Omit<Row, 'expected'>)[] = ['serial', 'name', 'login', 'secret', 'uri', 'type', 'digits', 'counter', 'flags'];

async function csvFile(name: string, rows: readonly Row[]): Promise<string> {
  const lines = [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((column) => String(r[column] ?? '')).join(','))];
  return inputFile(name, `${lines.join('\n')}\n`);
}

async function inputFile(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  inputs.add(path);
  return path;
}

const all = (): string => sim.transports.join(',');
const secretOf = (r: Row): Uint8Array => decodeBase32(r.secret ?? /secret=([A-Z2-7]+)/.exec(r.uri!)![1]!);

async function accountsOn(index: number): Promise<{ name: string; flags: number; otp?: { counter?: number } }[]> {
  const run = await hkey(['--transport', sim.transports[index]!, 'accounts', 'list', '--all', '--json'], { env: { HKEY_PIN: pin } });
  return JSON.parse(run.stdout) as { name: string; flags: number }[];
}

/** The key's code for an account agrees with the row's secret (TOTP at the key's time, HOTP at the row's counter). */
async function expectVerifiable(serial: string, r: Row): Promise<void> {
  const run = await hkey(['--transport', all(), '--device', serial, 'otp', r.name, '--json'], { env: { HKEY_PIN: pin } });
  const code = JSON.parse(run.stdout) as { code: string; counter?: number };
  const { type, digits, counter } = r.expected;
  if (type === 'hotp') expect(code).toMatchObject({ counter, code: hotp(secretOf(r), counter, { digits: digits as 6 | 7 | 8 }) });
  else expect(verifyTotp({ secret: secretOf(r), token: code.code, time: Date.now() / 1000, digits: digits as 6 | 7 | 8 }).valid).toBe(true);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-provision-'));
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--devices', '4']);
  // One key is locked by a PIN: the batch unlocks it with HKEY_PIN.
  expect((await hkey(['--transport', sim.transports[3]!, '--pin-stdin', 'pin', 'set'], { stdin: `${pin}\n` })).code).toBe(0);
  await sim.control('POST', `/v1/devices/${sim.serials[3]}/power-cycle`);
});

afterAll(async () => {
  await sim?.stop();
});

describe('hkey provision', { timeout: 120_000 }, () => {
  test('24 rows on four keys in parallel, verified, audited, and skipped on a re-run', async () => {
    const rows: Row[] = [];
    for (const [index, serial] of sim.serials.entries()) {
      rows.push(row({ serial, name: `own-${index}-a`, login: `user${index}`, flags: 'read-only touch' }));
      rows.push(row({ serial, name: `own-${index}-b`, type: 'hotp', counter: 10 + index, digits: 8 }, 'uri'));
    }
    for (let index = 0; index < 16; index++) {
      rows.push(
        index % 3 === 0
          ? row({ name: `any-${index}`, type: 'hotp', counter: index })
          : row({ name: `any-${index}`, digits: index % 2 === 0 ? 8 : 6 }, index % 2 === 0 ? 'uri' : 'secret'),
      );
    }
    const file = await csvFile('parallel.csv', rows);
    const audit = join(dir, 'parallel-audit.jsonl');
    const run = await hkey(['provision', file, '--parallel', '--transport', all(), '--audit', audit, '--json'], { env: { HKEY_PIN: pin }, timeoutMs: 90_000 });
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.filter((event) => event.event === 'key')).toHaveLength(4);
    const summary = events.at(-1) as { event: string; counts: Record<string, number>; rows: { row: number; serial: string; result: string }[] };
    expect(summary).toMatchObject({ event: 'summary', batch: 'parallel.csv', counts: { ok: 24, failed: 0, rolledBack: 0, notReached: 0, skipped: 0 } });

    // Rows with a serial went to that key; the others spread over the free keys.
    for (const [index, r] of rows.entries()) if (r.serial) expect(summary.rows[index]).toMatchObject({ row: index + 1, serial: r.serial, result: 'ok' });
    const perKey = await Promise.all(sim.serials.map((_, index) => accountsOn(index)));
    expect(perKey.flat()).toHaveLength(24);
    expect(perKey.every((accounts) => accounts.length >= 2)).toBe(true);
    // Flags that would have stopped verification or rollback are set after it; HOTP counters are back where the server expects them.
    expect(perKey[0]!.find((account) => account.name === 'own-0-a')).toMatchObject({ flags: 0x05 });
    expect(perKey[1]!.find((account) => account.name === 'own-1-b')).toMatchObject({ otp: { counter: 11 } });
    for (const index of [1, 3, 4, 7, 8, 10]) await expectVerifiable(summary.rows[index]!.serial, rows[index]!);

    const entries = jsonLines(await readFile(audit, 'utf8'));
    expect(entries).toHaveLength(24);
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual(['account', 'batch', 'fingerprint', 'id', 'result', 'row', 'serial', 'time']);
      expect(entry).toMatchObject({ batch: 'parallel.csv', result: 'ok' });
    }

    const again = await hkey(['provision', file, '--parallel', '--transport', all(), '--audit', audit], { env: { HKEY_PIN: pin } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 written and verified, 24 done before/);
    expect(jsonLines(await readFile(audit, 'utf8'))).toHaveLength(24);
  });

  test('one key at a time: waits for each next key while the technician swaps them', async () => {
    const [k1, k2, k3, k4] = sim.serials as [string, string, string, string];
    const rows: Row[] = [
      ...Array.from({ length: 5 }, (_, index) => row({ serial: k1, name: `seq-${index}` })),
      ...Array.from({ length: 5 }, (_, index) => row({ serial: k2, name: `seq-${5 + index}`, type: 'hotp', counter: index })),
      row({ name: 'seq-10' }),
      ...Array.from({ length: 5 }, (_, index) => row({ serial: k3, name: `seq-${11 + index}` }, 'uri')),
      row({ name: 'seq-16' }),
      ...Array.from({ length: 4 }, (_, index) => row({ serial: k4, name: `seq-${17 + index}`, digits: 7 })),
    ];
    const file = await csvFile('one-at-a-time.csv', rows);
    const audit = join(dir, 'one-at-a-time.jsonl');
    // Only the first key is plugged in at the start.
    for (const serial of [k2, k3, k4]) await setPresent(sim, serial, false);
    const fresh = [k3, k4];
    const waits: Record<string, unknown>[] = [];
    try {
      const running = spawnHkey(['provision', file, '--transport', all(), '--audit', audit, '--json'], { env: { HKEY_PIN: pin }, timeoutMs: 90_000 });
      running.onEvent((event) => {
        if (event.event !== 'waiting') return;
        waits.push(event);
        // The technician pulls the key that is in and plugs in the one asked for (or a fresh one).
        const next = (event.serial as string | undefined) ?? fresh.shift()!;
        void (async () => {
          for (const serial of sim.serials) if (serial !== next) await setPresent(sim, serial, false);
          await setPresent(sim, next, true);
        })();
      });
      const run = await running.done;
      expect(run.code, run.stderr).toBe(0);
      const summary = jsonLines(run.stdout).at(-1) as { counts: Record<string, number>; rows: { serial: string }[] };
      expect(summary.counts).toMatchObject({ ok: 21, failed: 0 });
      const expected = [...Array(5).fill(k1), ...Array(5).fill(k2), k3, ...Array(5).fill(k3), k4, ...Array(4).fill(k4)];
      expect(summary.rows.map((result) => result.serial)).toEqual(expected);
      expect(waits.map((wait) => [wait.row, wait.serial])).toEqual([
        [6, k2],
        [11, undefined],
        [17, undefined],
      ]);
      expect(waits[1]).toMatchObject({ position: 11, total: 21, present: [k2] });
    } finally {
      for (const serial of sim.serials) await setPresent(sim, serial, true);
    }
    await expectVerifiable(k2, rows[7]!);
    await expectVerifiable(k3, rows[12]!);
    await expectVerifiable(k4, rows[20]!);
  });

  test('a row whose code does not verify is rolled back; a re-run resumes with the rows left', async () => {
    const [k1, k2] = sim.serials as [string, string];
    const rows = [
      row({ serial: k1, name: 'drift-0' }),
      row({ serial: k2, name: 'drift-1' }),
      row({ serial: k1, name: 'drift-2', flags: 'read-only' }),
      row({ serial: k2, name: 'drift-3', type: 'hotp', counter: 3 }),
      row({ serial: k1, name: 'drift-4' }, 'uri'),
      row({ serial: k2, name: 'drift-5' }),
    ];
    const file = await csvFile('drift.csv', rows);
    const audit = join(dir, 'drift.jsonl');
    // The first key's clock is a year off, so its TOTP codes cannot match this computer's.
    await sim.control('POST', `/v1/devices/${k1}/time`, { time: Math.floor(Date.now() / 1000) + 365 * 86_400 });
    const first = await hkey(['provision', file, '--parallel', '--transport', all(), '--audit', audit], { env: { HKEY_PIN: pin } });
    expect(first.code).toBe(9);
    expect(first.stdout).toMatch(/3 written and verified, 0 done before, 3 rolled back, 0 failed/);
    expect(first.stdout).toMatch(/1\s+HK-SIM-000001\s+drift-0\s+rolled-back\s+VERIFICATION_FAILED: .*hkey time sync/);
    expect((await accountsOn(0)).map((account) => account.name).filter((name) => name.startsWith('drift'))).toEqual([]);
    const logged = jsonLines(await readFile(audit, 'utf8'));
    expect(logged.filter((entry) => entry.result === 'rolled-back')).toEqual([
      expect.objectContaining({ row: 1, serial: k1, account: 'drift-0', code: 'VERIFICATION_FAILED' }),
      expect.objectContaining({ row: 3, serial: k1, account: 'drift-2', code: 'VERIFICATION_FAILED' }),
      expect.objectContaining({ row: 5, serial: k1, account: 'drift-4', code: 'VERIFICATION_FAILED' }),
    ]);

    const dry = await hkey(['provision', file, '--dry-run', '--audit', audit, '--json']);
    expect((JSON.parse(dry.stdout) as { rows: { action: string }[] }).rows.map((r) => r.action)).toEqual(['write', 'skip', 'write', 'skip', 'write', 'skip']);

    expect((await hkey(['--transport', all(), '--device', k1, 'time', 'sync'], { env: { HKEY_PIN: pin } })).code).toBe(0);
    const second = await hkey(['provision', file, '--parallel', '--transport', all(), '--audit', audit], { env: { HKEY_PIN: pin } });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/3 written and verified, 3 done before, 0 rolled back, 0 failed/);
    expect((await accountsOn(0)).find((account) => account.name === 'drift-2')).toMatchObject({ flags: 0x01 });
    await expectVerifiable(k1, rows[4]!);
  });

  test('--dry-run checks every row, names the column, and touches nothing', async () => {
    const good = row({ name: 'ok' });
    const bad = [
      { name: 'bad-base32', secret: `${good.secret!.slice(0, 5)}0${good.secret!.slice(6)}` },
      { name: 'bad-flag', secret: good.secret, flags: 'hidden sparkly' },
      { name: 'both', secret: good.secret, uri: `otpauth://totp/x?secret=${good.secret}` },
      { secret: good.secret },
      { name: 'digits', secret: good.secret, digits: 9 },
      { name: 'period-hotp', secret: good.secret, type: 'hotp', period: 30 },
      { name: 'uri-typo', uri: `otpauth://totp/x?secret=${good.secret}&peroid=60` },
      { serial: 'HK-SIM-000001', name: 'twice', secret: good.secret },
      { serial: 'HK-SIM-000001', name: 'twice', secret: good.secret },
      { name: 'n'.repeat(65), secret: good.secret },
    ];
    const file = await inputFile('problems.json', JSON.stringify([{ name: good.name, secret: good.secret }, ...bad]));
    const audit = join(dir, 'never-written.jsonl');
    const before = (await accountsOn(0)).length;
    const dry = await hkey(['provision', file, '--dry-run', '--audit', audit, '--json']);
    expect(dry.code).toBe(2);
    const plan = JSON.parse(dry.stdout) as { rows: { row: number }[]; problems: { row: number; field: string; message: string }[] };
    expect(plan.rows.map((r) => r.row)).toEqual([1, 9]);
    expect(plan.problems.map((problem) => [problem.row, problem.field])).toEqual([
      [2, 'secret'],
      [3, 'flags'],
      [4, 'uri'],
      [5, 'name'],
      [6, 'digits'],
      [7, 'period'],
      [8, 'uri'],
      [10, 'name'],
      [11, 'name'],
    ]);
    expect(plan.problems[0]!.message).toBe('Row 2: column secret is not valid base32: it has an invalid character at position 5.');

    const human = await hkey(['provision', file, '--dry-run', '--audit', audit]);
    expect(human.stderr).toMatch(/^Row 3: column flags has an unknown flag/m);
    const real = await hkey(['provision', file, '--parallel', '--transport', all(), '--audit', audit]);
    expect(real.code).toBe(2);
    expect(real.stderr).toMatch(/error: 9 row\(s\) of .*problems\.json have problems: .*no key was touched\./);
    await expect(stat(audit)).rejects.toThrow();
    expect((await accountsOn(0)).length).toBe(before);

    const valid = await csvFile('valid.csv', [row({ name: 'dry-a' }), row({ serial: 'HK-SIM-000002', name: 'dry-b', type: 'hotp', counter: 9 })]);
    const ok = await hkey(['provision', valid, '--dry-run', '--audit', audit]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1\s+next free key\s+dry-a\s+TOTP SHA1 6 digits 30s\s+write/);
    expect(ok.stdout).toMatch(/2 row\(s\) to write, 0 done before\. The file is valid; no key was touched\./);
    await expect(stat(audit)).rejects.toThrow();
  });

  test('malformed files: unknown columns, broken CSV and JSON, without quoting any value', async () => {
    const secret = row({ name: 'x' }).secret!;
    const cases: [string, string, RegExp][] = [
      ['typo.csv', `name,secert\nx,${secret}\n`, /Column 2 of the header of .*typo\.csv is not a known column \(the columns are serial, name/],
      ['quote.csv', `name,secret\nx,"${secret}\ny,z\n`, /not valid CSV at line \d+: a quoted field is never closed/],
      ['fields.csv', `name,secret\nx,${secret},extra\n`, /not valid CSV at line 2: a row has a different number of fields than the header/],
      ['broken.json', `[{"name": "x", "secret": ${secret}}]`, /not valid JSON( \(line \d+\))?: fix the syntax/],
      ['empty.csv', 'name,secret\n', /has no rows/],
    ];
    for (const [name, content, message] of cases) {
      const run = await hkey(['provision', await inputFile(name, content), '--dry-run', '--audit', join(dir, 'x.jsonl')]);
      expect(run.code, name).toBe(2);
      expect(run.stderr, name).toMatch(message);
    }
  });
});

test('no secret or PIN used here appears in any output, audit log or test suite file', { timeout: 60_000 }, async () => {
  const files = [...(await filesUnder(dir, (path) => inputs.has(path))), ...(await filesUnder(join(ROOT, 'packages/cli/test')))];
  expect(files.some((file) => file.endsWith('parallel-audit.jsonl'))).toBe(true);
  expect(await findLeaks({ secrets, texts: [pin], outputs: transcript, files })).toEqual([]);
});
