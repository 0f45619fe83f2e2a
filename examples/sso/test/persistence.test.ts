/** The database file: an account survives a restart, and the file holds no secret in clear. */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, expect, test } from 'vitest';
import { DATABASE_FILE } from '../src/app.js';
import { HttpClient } from './http-client.js';
import { PASSWORD, enroll, loginWithPassword, startRig } from './rig.js';

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

test('enrolled in one run, signed in the next; only hashes on disk', async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'hkey-sso-')), 'data');
  directories.push(dataDir);
  const first = await startRig({ dataDir });
  const pat = await enroll(first, 'password', 'pat@example.com');
  const link = first.app.invite('later@example.com');
  const session = (await loginWithPassword(first, pat)).cookie as string;
  await first.close();

  const file = join(dataDir, DATABASE_FILE);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const image = (await readFile(file)).toString('latin1');
  expect(image).toContain('pat@example.com');
  for (const secret of [PASSWORD, ...pat.recoveryCodes, new URL(link).searchParams.get('token') as string, session.split('=')[1] as string]) {
    expect(image).not.toContain(secret);
  }

  const second = await startRig({ dataDir });
  // A new port is a new origin: the same key, used from the restarted app's pages.
  const browser = pat.browser.at(second.app.origin);
  expect((await (await loginWithPassword(second, { ...pat, browser })).get('/account')).status).toBe(200);
  expect(second.app.services.users.byEmail('later@example.com')?.enrolledAt).toBeUndefined();
  const begun = await new HttpClient(second.app).post('/api/enroll/begin', { token: new URL(link).searchParams.get('token'), mode: 'passwordless' });
  expect(begun.status).toBe(200);
  await second.close();
  await pat.browser.close();
});

test('a fresh clone: the data directory is made when missing', async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'hkey-sso-')), 'nested', 'dir');
  directories.push(dataDir);
  const rig = await startRig({ dataDir });
  rig.app.services.users.ensure('x@example.com');
  await rig.close();
  expect((await stat(join(dataDir, DATABASE_FILE))).isFile()).toBe(true);
});

test('a session is good only on the origin (port) it was made for, even with the same database', async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'hkey-sso-')), 'data');
  directories.push(dataDir);
  const first = await startRig({ dataDir });
  const pat = await enroll(first, 'password', 'pat@example.com');
  const cookie = (await loginWithPassword(first, pat)).cookie;
  await first.close();

  const second = await startRig({ dataDir });
  expect(second.app.port).not.toBe(first.app.port);
  const elsewhere = new HttpClient(second.app);
  elsewhere.cookie = cookie;
  expect((await elsewhere.get('/account')).headers.location).toBe('/login');
  expect((await elsewhere.post('/api/recovery-codes')).json.error?.code).toBe('NOT_SIGNED_IN');
  await second.close();
  await pat.browser.close();
});

test('a database from before sessions were bound to an origin opens: its old sessions are dropped', async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'hkey-sso-')), 'data');
  directories.push(dataDir);
  const old = new (await initSqlJs()).Database();
  old.exec(`CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id INTEGER, stage TEXT NOT NULL, expires_at INTEGER NOT NULL);
    INSERT INTO sessions VALUES ('old', 1, 'signed-in', ${Date.now() + 60_000});`);
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, DATABASE_FILE), old.export());
  const rig = await startRig({ dataDir });
  const pat = await enroll(rig, 'password', 'pat@example.com');
  expect((await (await loginWithPassword(rig, pat)).get('/account')).status).toBe(200);
  await rig.close();
  await pat.browser.close();
});
