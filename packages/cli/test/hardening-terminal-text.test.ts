/**
 * Account names, logins and otpauth labels come from keys and files, and may hold terminal controls (ESC, an
 * OSC 52 clipboard write, C1 controls) or bidi overrides. Tables, messages and provisioning lines show them as
 * escapes; --json stays exact JSON that parses to the very same text. Runs on a virtual key in a temp state file.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { hkey, transcript } from './cli-harness.js';
import { findLeaks, freshSecret } from './secret-scan.js';

let dir: string;
let env: Record<string, string>;
const secrets: Uint8Array[] = [];

/** An OSC 52 write that would put text on the clipboard, a CSI colour, a C1 CSI, and a right-to-left override. */
const HOSTILE = 'pay\u001b]52;c;ZXZpbA==\u0007\u001b[31mpal\u009b2J\u202egpj.exe';
const ESCAPED = 'pay\\x1b]52;c;ZXZpbA==\\x07\\x1b[31mpal\\x9b2J\\u202egpj.exe';
/** Anything a terminal would act on. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function secret(): string {
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  return fresh.base32;
}

const on = (args: string[], stdin?: string) => hkey(['--transport', 'virtual', ...args], { env, stdin });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-hardening-text-'));
  env = { HKEY_VIRTUAL_STATE: join(dir, 'virtual-key.json') };
  const added = await on(['accounts', 'add', '--name', HOSTILE, '--login', `bob\u001b[2J`, '--secret-stdin', '--json'], secret());
  expect(added.code, added.stderr).toBe(0);
});

test('accounts list and show escape controls and bidi overrides in every cell', { timeout: 30_000 }, async () => {
  const list = await on(['accounts', 'list']);
  expect(list.code).toBe(0);
  expect(list.stdout).not.toMatch(RAW_CONTROL);
  expect(list.stdout).toContain(ESCAPED);
  expect(list.stdout).toContain('bob\\x1b[2J');

  const show = await on(['accounts', 'show', HOSTILE]);
  expect(show.code).toBe(0);
  expect(show.stdout).not.toMatch(RAW_CONTROL);
  expect(show.stdout).toContain(ESCAPED);
});

test('--json stays exact: it parses to the same name and shows no raw control', { timeout: 30_000 }, async () => {
  const list = await on(['accounts', 'list', '--json']);
  expect(list.stdout).not.toMatch(RAW_CONTROL);
  expect((JSON.parse(list.stdout) as { name: string; login: string }[])[0]).toMatchObject({ name: HOSTILE, login: 'bob\u001b[2J' });
});

test('messages that repeat a name escape it too (errors on stderr, human and JSON)', { timeout: 30_000 }, async () => {
  const missing = await on(['accounts', 'remove', `${HOSTILE}2`, '--yes']);
  expect(missing.code).toBe(4);
  expect(missing.stderr).not.toMatch(RAW_CONTROL);
  const taken = await on(['accounts', 'add', '--name', HOSTILE, '--secret-stdin'], secret());
  expect(taken.code).not.toBe(0);
  expect(taken.stderr).not.toMatch(RAW_CONTROL);
});

test('provisioning tables and lines escape names from the batch and from otpauth labels', { timeout: 30_000 }, async () => {
  const label = encodeURIComponent('Issuer\u202e:alice\u2066');
  const batch = join(dir, 'batch.csv');
  await writeFile(batch, `name,secret,uri\n"${HOSTILE}-b",${secret()},\n,,otpauth://totp/${label}?secret=${secret()}\n`);
  const audit = join(dir, 'audit.jsonl');
  const dry = await hkey(['provision', batch, '--dry-run', '--audit', audit], { env });
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).not.toMatch(RAW_CONTROL);
  expect(dry.stdout).toContain(`${ESCAPED}-b`);
  expect(dry.stdout).toContain('Issuer\\u202e:alice\\u2066');

  const run = await hkey(['provision', batch, '--parallel', '--transport', 'virtual', '--audit', audit], { env });
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
  expect(run.stdout).toContain('Issuer\\u202e:alice\\u2066');
});

test('no secret used here appears in any output', async () => {
  expect(await findLeaks({ secrets, outputs: transcript, files: [] })).toEqual([]);
});
