/**
 * A PIN entered once must not leave the key unlocked after the command: the HID session is shared by every
 * program that reaches the key (here every UDP client of the simulator), so a later command with a wrong PIN, or
 * a page through the bridge, would read it. Commands that gave the key its PIN lock it again on success and on
 * failure; --stay-unlocked (global) keeps it unlocked. Ends with the secret scan.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Sim, hkey, spawnHkey, startSim, transcript } from './cli-harness.js';
import { findLeaks, freshSecret } from './secret-scan.js';

let sim: Sim;
let dir: string;
const pin = String(randomInt(10_000_000, 100_000_000));
const newPin = String(randomInt(10_000_000, 100_000_000));
const secrets: Uint8Array[] = [];

const on = (args: string[], options: { pin?: string; stdin?: string } = {}) =>
  hkey(['--transport', sim.transports[0]!, ...args], { env: options.pin === undefined ? {} : { HKEY_PIN: options.pin }, stdin: options.stdin });

/** Whether the key's shared session is locked, asked by a separate program that gives no PIN. */
async function locked(): Promise<boolean> {
  const status = await on(['pin', 'status', '--json']);
  expect(status.code, status.stderr).toBe(0);
  return (JSON.parse(status.stdout) as { locked: boolean }).locked;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-hardening-relock-'));
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0']);
  expect((await on(['--pin-stdin', 'pin', 'set'], { stdin: `${pin}\n` })).code).toBe(0);
  // Setting the PIN unlocks the key's session like a verify does, and is locked again on exit too.
  expect(await locked()).toBe(true);
  expect((await on(['--pin-stdin', '--stay-unlocked', 'pin', 'verify'], { stdin: `${pin}\n` })).code).toBe(0);
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  expect((await on(['accounts', 'add', '--name', 'mail', '--secret-stdin'], { stdin: fresh.base32 })).code).toBe(0);
  expect((await on(['lock'])).code).toBe(0);
});

afterAll(async () => {
  await sim?.stop();
});

test('a command that unlocked the key locks it again: a later command with a wrong PIN reads nothing', { timeout: 60_000 }, async () => {
  const listed = await on(['accounts', 'list', '--json'], { pin });
  expect(listed.code, listed.stderr).toBe(0);
  expect(await locked()).toBe(true);
  const wrong = await on(['accounts', 'list', '--json'], { pin: '00000000' });
  expect(wrong.code).toBe(5);
  expect(wrong.stdout).toBe('');
  expect(await on(['otp', 'mail', '--json'])).toMatchObject({ code: 5 });
});

test('it locks again when the command fails after unlocking', { timeout: 60_000 }, async () => {
  const missing = await on(['otp', 'no-such-account'], { pin });
  expect(missing.code).toBe(4);
  expect(await locked()).toBe(true);
});

test('--stay-unlocked leaves it unlocked, as a global option before or after the command', { timeout: 60_000 }, async () => {
  expect((await on(['--stay-unlocked', 'accounts', 'list'], { pin })).code).toBe(0);
  expect(await locked()).toBe(false);
  expect((await on(['lock'])).code).toBe(0);
  expect((await on(['otp', 'mail', '--stay-unlocked'], { pin })).code).toBe(0);
  expect(await locked()).toBe(false);
  expect((await on(['lock'])).code).toBe(0);
});

test('pin verify checks the PIN and keeps the key unlocked only with --stay-unlocked', { timeout: 60_000 }, async () => {
  const checked = await on(['--pin-stdin', 'pin', 'verify', '--json'], { stdin: `${pin}\n` });
  expect(JSON.parse(checked.stdout)).toMatchObject({ locked: true });
  expect(await locked()).toBe(true);
  const unlocked = await on(['--pin-stdin', '--stay-unlocked', 'pin', 'verify', '--json'], { stdin: `${pin}\n` });
  expect(JSON.parse(unlocked.stdout)).toMatchObject({ locked: false });
  expect(await locked()).toBe(false);
  expect((await on(['lock'])).code).toBe(0);
  const help = await on(['pin', 'verify', '--help']);
  expect(help.stdout).toMatch(/--stay-unlocked/);
  expect(help.stdout).toMatch(/an unlocked key answers every program that reaches it/);
});

test('pin change, which unlocks like verify, locks again too', { timeout: 60_000 }, async () => {
  const changed = await on(['--pin-stdin', 'pin', 'change'], { stdin: `${pin}\n${newPin}\n` });
  expect(changed.code, changed.stderr).toBe(0);
  expect(await locked()).toBe(true);
  expect((await on(['--pin-stdin', 'pin', 'change'], { stdin: `${newPin}\n${pin}\n` })).code).toBe(0);
  expect(await locked()).toBe(true);
});

test('a batch that unlocked its key locks it again when it is done', { timeout: 60_000 }, async () => {
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  const batch = join(dir, 'batch.csv');
  await writeFile(batch, `name,secret\nbatch-1,${fresh.base32}\n`);
  const run = await hkey(['provision', batch, '--parallel', '--transport', sim.transports[0]!, '--audit', join(dir, 'audit.jsonl')], {
    env: { HKEY_PIN: pin },
  });
  expect(run.code, run.stderr).toBe(0);
  expect(await locked()).toBe(true);
});

test('Ctrl-C while an unlocked command waits for the button cancels it, locks the key and exits 130', { timeout: 60_000 }, async () => {
  const serial = sim.serials[0]!;
  const password = 'interrupted-but-locked';
  const added = await on(['accounts', 'add', '--name', 'vault', '--password-stdin'], { pin, stdin: `${password}\n` });
  expect(added.code, added.stderr).toBe(0);
  await sim.control('PUT', `/v1/devices/${serial}/presence`, { policy: 'button' });
  try {
    const events = (await sim.control('GET', `/v1/devices/${serial}/events`)) as { seq: number }[];
    const after = events.at(-1)?.seq ?? 0;
    const running = spawnHkey(['--transport', sim.transports[0]!, 'password', 'vault'], { env: { HKEY_PIN: pin } });
    await sim.control('GET', `/v1/devices/${serial}/events/wait?after=${after}&type=presence&state=waiting&timeoutMs=15000`);
    running.kill('SIGINT');
    const run = await running.done;
    expect(run.code).toBe(130);
    expect(run.stdout).not.toContain(password);
  } finally {
    await sim.control('PUT', `/v1/devices/${serial}/presence`, { policy: 'auto-approve' });
  }
  expect(await locked()).toBe(true);
});

test('no secret or PIN used here appears in any output', async () => {
  expect(await findLeaks({ secrets, texts: [pin, newPin], outputs: transcript, files: [] })).toEqual([]);
});
