/**
 * The commands that inspect and manage one key (devices, info, pin, lock, wipe, accounts, password, enroll,
 * completion, help), driven as child processes against `hkey sim` with three keys, through stdin and non-TTY
 * paths. Ends with the secret scan over everything printed.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBase32, hotp, parseOtpauthUri } from '@hkey/protocol';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, type Sim, hkey, spawnHkey, startSim, transcript } from './cli-harness.js';
import { filesUnder, findLeaks, freshSecret } from './secret-scan.js';
import { verifyTotp } from '../src/otp-verify.js';

let dir: string;
let sim: Sim;
const secrets: Uint8Array[] = [];
// Random PINs, so that neither this file nor any fixture can contain them.
const pins = [randomPin(), randomPin()];

function randomPin(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

function secret(): string {
  const fresh = freshSecret();
  secrets.push(fresh.bytes);
  return fresh.base32;
}

/** `hkey` against key `index` (0-based) of the simulator. */
const on = (index: number, args: string[], options?: Parameters<typeof hkey>[1]) => hkey(['--transport', sim.transports[index]!, ...args], options);

async function lastSeq(serial: string): Promise<number> {
  const events = (await sim.control('GET', `/v1/devices/${serial}/events`)) as { seq: number }[];
  return events.at(-1)?.seq ?? 0;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-keys-'));
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0', '--devices', '3']);
});

afterAll(async () => {
  await sim?.stop();
});

describe('hkey devices and key choice', { timeout: 90_000 }, () => {
  test('lists every key that answers with serial, transport and state', async () => {
    const run = await hkey(['devices', '--transport', [...sim.transports, 'udp://127.0.0.1:9'].join(','), '--json']);
    expect(run.code).toBe(0);
    const devices = JSON.parse(run.stdout) as { serial: string; transport: string; address: string; pinState: string }[];
    expect(devices.map((device) => device.serial)).toEqual(sim.serials);
    expect(devices[0]).toMatchObject({ transport: 'udp', address: sim.transports[0], pinState: 'NOT_SET' });
    const human = await hkey(['devices', '-t', sim.transports[0]!, '-t', sim.transports[1]!]);
    expect(human.stdout).toMatch(/serial\s+transport\s+address\s+state/);
    expect(human.stdout).toContain('HK-SIM-000002');
    const none = await hkey(['devices', '-t', 'udp://127.0.0.1:9']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/No keys found/);
  });

  test("keys on the simulator's BLE link are found and usable", async () => {
    const link = sim.ready.ble as string;
    const run = await hkey(['devices', '--transport', link, '--json']);
    const devices = JSON.parse(run.stdout) as { serial: string; transport: string; address: string }[];
    expect(devices.map((device) => [device.serial, device.transport])).toEqual(sim.serials.map((serial) => [serial, 'ble-link']));
    const info = await hkey(['--transport', devices[1]!.address, 'info', '--json']);
    expect(JSON.parse(info.stdout)).toMatchObject({ serial: 'HK-SIM-000002' });
    const byDevice = await hkey(['--transport', link, '--device', 'HK-SIM-000003', 'info', '--json']);
    expect(JSON.parse(byDevice.stdout)).toMatchObject({ serial: 'HK-SIM-000003' });
  });

  test('several keys need --device; an unknown serial is exit 3', async () => {
    const all = sim.transports.join(',');
    const ambiguous = await hkey(['--transport', all, 'info']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/--device SERIAL/);
    const chosen = await hkey(['--transport', all, '--device', 'HK-SIM-000003', 'info', '--json']);
    expect(JSON.parse(chosen.stdout)).toMatchObject({ serial: 'HK-SIM-000003' });
    const unknown = await hkey(['--transport', all, '--device', 'HK-NOPE', 'info']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/hkey devices/);
  });

  test('time set and sync', async () => {
    const set = await on(0, ['time', 'set', '1800000000', '--json']);
    expect(JSON.parse(set.stdout)).toEqual({ serial: 'HK-SIM-000001', time: 1800000000 });
    const sync = await on(0, ['time', 'sync']);
    expect(sync.code).toBe(0);
    const info = JSON.parse((await on(0, ['info', '--json'])).stdout) as { time: number };
    expect(Math.abs(info.time - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('hkey pin, lock and wipe', { timeout: 90_000 }, () => {
  const serial = 'HK-SIM-000002';
  const [pin, newPin] = pins as [string, string];

  test('set, lock, PIN_REQUIRED, unlock with HKEY_PIN or --pin-stdin, change', async () => {
    expect(JSON.parse((await on(1, ['pin', 'status', '--json'])).stdout)).toMatchObject({ pinState: 'NOT_SET' });
    const weak = await on(1, ['--pin-stdin', 'pin', 'set'], { stdin: '12ab\n' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/4 to 8 digits/);
    const set = await on(1, ['--pin-stdin', 'pin', 'set', '--max-retries', '3'], { stdin: `${pin}\n` });
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/PIN set/);
    expect(JSON.parse((await on(1, ['lock', '--json'])).stdout)).toEqual({ serial, locked: true });

    const locked = await on(1, ['accounts', 'list']);
    expect(locked.code).toBe(5);
    expect(locked.stderr).toMatch(/^error: The key is locked: unlock it with `hkey pin verify`.*HKEY_PIN\.\n$/);
    const viaEnv = await on(1, ['accounts', 'list', '--json'], { env: { HKEY_PIN: pin } });
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.stdout)).toEqual([]);

    await sim.control('POST', `/v1/devices/${serial}/power-cycle`);
    const viaStdin = await on(1, ['--pin-stdin', 'accounts', 'list', '--json'], { stdin: `${pin}\n` });
    expect(viaStdin.code).toBe(0);

    const stdinTwice = await on(1, ['--pin-stdin', 'accounts', 'add', '--name', 'x', '--secret-stdin'], { stdin: `${pin}\n` });
    expect(stdinTwice.code).toBe(2);
    expect(stdinTwice.stderr).toMatch(/--secret-stdin and --pin-stdin both want standard input/);

    const change = await on(1, ['--pin-stdin', 'pin', 'change', '--json'], { stdin: `${pin}\n${newPin}\n` });
    expect(change.code).toBe(0);
    await sim.control('POST', `/v1/devices/${serial}/power-cycle`);
    const verify = await on(1, ['--pin-stdin', '--stay-unlocked', 'pin', 'verify', '--json'], { stdin: `${newPin}\n` });
    expect(JSON.parse(verify.stdout)).toEqual({ serial, retries: 3, locked: false });
  });

  test('wrong PINs count down, then the key blocks and only wipe helps', async () => {
    await sim.control('POST', `/v1/devices/${serial}/power-cycle`);
    const wrong = await on(1, ['--pin-stdin', 'pin', 'verify'], { stdin: '00000000\n' });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/Wrong PIN: 2 attempts left/);
    await on(1, ['--pin-stdin', 'pin', 'verify'], { stdin: '00000000\n' });
    const last = await on(1, ['--pin-stdin', 'pin', 'verify'], { stdin: '00000000\n' });
    expect(last.stderr).toMatch(/no attempts are left.*hkey wipe/);
    const blocked = await on(1, ['accounts', 'list'], { env: { HKEY_PIN: newPin } });
    expect(blocked.code).toBe(5);
    expect(blocked.stderr).toBe('error: PIN blocked: only `hkey wipe` can reset this key.\n');
    const status = await on(1, ['pin', 'status']);
    expect(status.stdout).toMatch(/blocked/);

    const wipe = await on(1, ['wipe']);
    expect(wipe.code).toBe(0);
    expect(wipe.stderr).toMatch(/hold the key's button for 10 seconds/);
    expect(wipe.stdout).toMatch(/wiped/);
    expect(JSON.parse((await on(1, ['pin', 'status', '--json'])).stdout)).toMatchObject({ pinState: 'NOT_SET', locked: false });
    const noPin = await on(1, ['lock']);
    expect(noPin.stdout).toMatch(/has no PIN/);
  });
});

describe('hkey accounts', { timeout: 90_000 }, () => {
  test('add, show, update, remove; secrets never come back', async () => {
    const first = secret();
    const add = await on(2, ['accounts', 'add', '--name', 'mail', '--login', 'alice', '--url', 'https://a.example', 'https://b.example', '--secret-stdin'], {
      stdin: `${first}\n`,
    });
    expect(add.code).toBe(0);
    const show = await on(2, ['accounts', 'show', 'mail', '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'mail', login: 'alice', urls: ['https://a.example', 'https://b.example'], otp: { kind: 'TOTP' } });
    const table = await on(2, ['accounts', 'show', 'mail']);
    expect(table.stdout).toMatch(/otp\s+TOTP SHA1 6 digits 30s/);

    const rename = await on(2, ['accounts', 'update', 'mail', '--name', 'Mail', '--hidden', '--clear', 'urls', '--json']);
    expect(rename.code).toBe(0);
    expect(JSON.parse((await on(2, ['accounts', 'list', '--json'])).stdout)).toEqual([]);
    const hidden = JSON.parse((await on(2, ['accounts', 'show', 'Mail', '--json'])).stdout) as Record<string, unknown>;
    expect(hidden).toMatchObject({ name: 'Mail', flags: 2 });
    expect(hidden.urls).toBeUndefined();

    const second = secret();
    const newOtp = await on(2, ['accounts', 'update', 'Mail', '--secret-stdin', '--hotp', '--digits', '8', '--counter', '7', '--no-hidden'], { stdin: second });
    expect(newOtp.code).toBe(0);
    expect(JSON.parse((await on(2, ['accounts', 'show', 'Mail', '--json'])).stdout)).toMatchObject({ flags: 0, otp: { kind: 'HOTP', digits: 8, counter: 7 } });
    const code = JSON.parse((await on(2, ['otp', 'Mail', '--json'])).stdout) as { code: string; counter: number };
    expect(code).toMatchObject({ counter: 7, code: hotp(decodeBase32(second), 7, { digits: 8 }) });

    const noSecret = await on(2, ['accounts', 'update', 'Mail', '--digits', '6']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/need the secret/);
    const nothing = await on(2, ['accounts', 'update', 'Mail']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/Nothing to change/);
    const conflict = await on(2, ['accounts', 'update', 'Mail', '--login', 'bob', '--clear', 'login']);
    expect(conflict.code).toBe(2);
    const tooLong = await on(2, ['accounts', 'update', 'Mail', '--name', 'n'.repeat(65)]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toBe('error: --name must be text of 1 to 64 UTF-8 bytes.\n');

    const remove = await on(2, ['accounts', 'remove', 'Mail', '--json']);
    expect(JSON.parse(remove.stdout)).toMatchObject({ name: 'Mail' });
    const gone = await on(2, ['accounts', 'remove', 'Mail']);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toMatch(/hkey accounts list --all/);
  });

  test('password: a visible prompt on stderr while the key waits for its button', async () => {
    const password = 'correct horse battery staple';
    const add = await on(2, ['accounts', 'add', '--name', 'vault', '--password-stdin'], { stdin: `${password}\n` });
    expect(add.code).toBe(0);
    expect(add.stdout + add.stderr).not.toContain(password);
    const serial = 'HK-SIM-000003';
    await sim.control('PUT', `/v1/devices/${serial}/presence`, { policy: 'button' });
    try {
      const after = await lastSeq(serial);
      const running = spawnHkey(['--transport', sim.transports[2]!, 'password', 'vault']);
      await sim.control('GET', `/v1/devices/${serial}/events/wait?after=${after}&type=presence&state=waiting&timeoutMs=15000`);
      await sim.control('POST', `/v1/devices/${serial}/button`, { action: 'press' });
      const run = await running.done;
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${password}\n`);
      expect(run.stderr).toMatch(/Press the button on key HK-SIM-000003 to release the password of vault/);
    } finally {
      await sim.control('PUT', `/v1/devices/${serial}/presence`, { policy: 'auto-approve' });
    }
    const noPassword = await on(2, ['password', 'nope']);
    expect(noPassword.code).toBe(4);
  });
});

describe('hkey enroll', { timeout: 90_000 }, () => {
  test('writes a verified secret and shows the URI and a QR code once', async () => {
    const run = await on(0, ['enroll', '--issuer', 'Hideez Enterprise', '--account', 'alice@example.com']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/[█▀▄]{10}/);
    const uri = run.stdout.trim().split('\n').at(-1)!;
    const parsed = parseOtpauthUri(uri);
    expect(parsed).toMatchObject({ type: 'totp', issuer: 'Hideez Enterprise', accountName: 'alice@example.com', digits: 6, period: 30 });
    expect(parsed.secret).toHaveLength(20);
    expect(run.stderr).toMatch(/shown only this once/);
    const code = JSON.parse((await on(0, ['otp', 'Hideez Enterprise:alice@example.com', '--json'])).stdout) as { code: string };
    expect(verifyTotp({ secret: parsed.secret, token: code.code, time: Date.now() / 1000 }).valid).toBe(true);
    // Listing the account later never shows the secret again.
    const list = await on(0, ['accounts', 'list', '--json']);
    expect(list.stdout).not.toContain(uri.match(/secret=([A-Z2-7]+)/)![1]);
  });

  test('--json puts the URI in the result; HOTP keeps counter 0 for the server', async () => {
    const run = await on(0, ['enroll', '--issuer', 'VPN', '--account', 'bob', '--hotp', '--digits', '8', '--name', 'vpn', '--json']);
    const result = JSON.parse(run.stdout) as { uri: string; serial: string; name: string };
    expect(result).toMatchObject({ serial: 'HK-SIM-000001', name: 'vpn', type: 'hotp', digits: 8 });
    const parsed = parseOtpauthUri(result.uri);
    expect(parsed).toMatchObject({ type: 'hotp', counter: 0 });
    const code = JSON.parse((await on(0, ['otp', 'vpn', '--json'])).stdout) as { code: string; counter: number };
    expect(code).toEqual({ account: 'vpn', id: expect.any(Number), counter: 0, code: hotp(parsed.secret, 0, { digits: 8 }) });
  });

  test('a key whose code differs is rolled back and shows nothing; --quiet is refused', async () => {
    await sim.control('POST', '/v1/devices/HK-SIM-000001/time', { time: 1_000_000_000 });
    try {
      const run = await on(0, ['enroll', '--issuer', 'Corp', '--account', 'carol']);
      expect(run.code).toBe(7);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/hkey time sync.*removed again/);
      const list = JSON.parse((await on(0, ['accounts', 'list', '--json'])).stdout) as { name: string }[];
      expect(list.map((account) => account.name)).not.toContain('Corp:carol');
    } finally {
      await on(0, ['time', 'sync']);
    }
    const quiet = await on(0, ['enroll', '--issuer', 'Corp', '--account', 'carol', '--quiet']);
    expect(quiet.code).toBe(2);
    const badLabel = await on(0, ['enroll', '--issuer', 'Corp', '--account', 'a:b']);
    expect(badLabel.code).toBe(2);
    expect(badLabel.stderr).toMatch(/--account/);
  });
});

describe('hkey bridge', { timeout: 90_000 }, () => {
  test('serves keys over a local WebSocket and stops cleanly on SIGTERM', async () => {
    const running = spawnHkey(['bridge', '--port', '0', '--virtual', '1', '--no-hardware', '--json']);
    const ready = await running.nextEvent((event) => event.event === 'ready');
    expect(ready.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1$/);
    running.kill('SIGTERM');
    const run = await running.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"event":"stopped"/);
  });
});

describe('completion and help', { timeout: 90_000 }, () => {
  test('bash completion completes commands, subcommands and option values', async () => {
    const script = (await hkey(['completion', 'bash'])).stdout;
    const complete = (words: string[]): string =>
      execFileSync(
        'bash',
        ['-c', `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _hkey; echo "\${COMPREPLY[*]}"`],
        { encoding: 'utf8' },
      ).trim();
    expect(complete(['hkey', 'acc']).split(' ')).toEqual(['accounts']);
    expect(complete(['hkey', 'accounts', '']).split(' ')).toEqual(expect.arrayContaining(['list', 'show', 'add', 'update', 'remove']));
    expect(complete(['hkey', 'accounts', 'add', '--algorithm', ''])).toBe('sha1 sha256 sha512');
    expect(complete(['hkey', 'completion', ''])).toMatch(/bash zsh fish/);
  });

  test('zsh and fish scripts parse', async () => {
    for (const shell of ['zsh', 'fish']) {
      const script = (await hkey(['completion', shell])).stdout;
      expect(script).toMatch(/hkey/);
      let available = true;
      try {
        execFileSync('which', [shell]);
      } catch {
        available = false;
      }
      if (available) execFileSync(shell, ['-n'], { input: script });
    }
  });

  test('every command has --help with examples', async () => {
    // Rendered in-process for all commands at once; the child process below checks the real --help path.
    const { buildProgram } = await import('../src/program.js');
    const helps: [string, string][] = [];
    const visit = (command: Command, path: string): void => {
      let text = '';
      command.configureOutput({ writeOut: (chunk) => (text += chunk) });
      command.outputHelp();
      helps.push([path, text]);
      for (const sub of command.commands) visit(sub, `${path} ${sub.name()}`);
    };
    visit(buildProgram(), 'hkey');
    expect(helps.length).toBeGreaterThan(20);
    for (const [path, text] of helps) expect(text, path).toMatch(/Examples:\n {2}\$ \S/);
    const root = await hkey(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/9 {4}some rows of a batch failed/);
    const enroll = await hkey(['enroll', '--help']);
    expect(enroll.stdout).toMatch(/one command that prints a secret/);
  });

  test('errors are one line without a stack trace unless --verbose', async () => {
    const plain = await hkey(['--transport', 'udp://127.0.0.1:9', 'info', '--timeout', '300']);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    const verbose = await hkey(['--transport', 'udp://127.0.0.1:9', 'info', '--timeout', '300', '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
    const json = await hkey(['--transport', 'nonsense', 'info', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'USAGE_TRANSPORT' } });
  });
});

test('no secret or PIN used here appears in any output or in the test suite files', { timeout: 60_000 }, async () => {
  const files = [...(await filesUnder(dir)), ...(await filesUnder(join(ROOT, 'packages/cli/test')))];
  expect(await findLeaks({ secrets, texts: pins, outputs: transcript, files })).toEqual([]);
});
