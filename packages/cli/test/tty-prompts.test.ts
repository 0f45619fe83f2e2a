/**
 * The terminal paths, driven through tmux (a real pseudo-terminal): hidden prompts for OTP secrets and PINs
 * never echo what is typed, a locked key asks for its PIN and retries once, confirmations can be declined,
 * and Ctrl-C at a prompt exits 130. CI needs the tmux package.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeBase32, totp } from '@hkey/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NODE_ARGS, ROOT, type Sim, hkey, startSim, transcript } from './cli-harness.js';
import { filesUnder, findLeaks, freshSecret } from './secret-scan.js';

const SOCKET = `hkey-test-${process.pid}`;
let sim: Sim;
let transport: string;
let sessions = 0;
const secrets: Uint8Array[] = [];
const pin = String(randomInt(10_000_000, 100_000_000));
const newPin = String(randomInt(10_000_000, 100_000_000));

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

interface Terminal {
  /** The tmux session, for keys sent in one go. */
  readonly name: string;
  /** Waits until the screen shows `pattern`; returns the screen. */
  waitFor(pattern: RegExp): Promise<string>;
  type(text: string): void;
  enter(): void;
  /** Waits for the command to end; returns its exit code and the final screen. */
  finished(): Promise<{ code: number; screen: string }>;
}

/** Runs `hkey ARGS` in a fresh tmux window, as a person at a terminal would. */
function terminal(args: string[]): Terminal {
  const name = `t${++sessions}`;
  const command = ['env', 'HKEY_TRANSPORT=', 'HKEY_PIN=', process.execPath, ...NODE_ARGS, '--transport', transport, ...args].map(shellQuote).join(' ');
  tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '50', '-c', ROOT, `${command}; echo "[exit $?]"; sleep 120`);
  const screen = (): string => tmux('capture-pane', '-p', '-t', name, '-S', '-100');
  const waitFor = async (pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = screen();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}:\n${text}`);
      await sleep(100);
    }
  };
  return {
    name,
    waitFor,
    type: (text) => tmux('send-keys', '-t', name, '-l', text),
    enter: () => tmux('send-keys', '-t', name, 'Enter'),
    async finished() {
      const text = await waitFor(/\[exit \d+\]/);
      transcript.push(text);
      tmux('kill-session', '-t', name);
      return { code: Number(/\[exit (\d+)\]/.exec(text)![1]), screen: text };
    },
  };
}

beforeAll(async () => {
  sim = await startSim(['--udp', '0', '--control-port', '0', '--ble-port', '0']);
  transport = sim.transports[0]!;
});

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // No session left: the server has already gone.
  }
  await sim?.stop();
});

describe('hidden prompts on a terminal', { timeout: 90_000 }, () => {
  test('the OTP secret is asked for without echo', async () => {
    const fresh = freshSecret();
    secrets.push(fresh.bytes);
    const term = terminal(['accounts', 'add', '--name', 'typed', '--totp']);
    await term.waitFor(/OTP secret \(base32 or otpauth:\/\/ URI; input hidden\):\s*$/m);
    term.type(fresh.base32);
    term.enter();
    const { code, screen } = await term.finished();
    expect(code).toBe(0);
    expect(screen).toMatch(/Account typed created/);
    expect(screen).not.toContain(fresh.base32.slice(0, 8));
    const result = JSON.parse((await hkey(['--transport', transport, 'otp', 'typed', '--json'])).stdout) as { code: string; validUntil: number };
    expect(result.code).toBe(totp(decodeBase32(fresh.base32), result.validUntil - 1));
  });

  test('a locked key asks for its PIN and retries once; pin change asks twice for the new one', async () => {
    expect((await hkey(['--transport', transport, '--pin-stdin', 'pin', 'set'], { stdin: `${pin}\n` })).code).toBe(0);
    await sim.control('POST', `/v1/devices/${sim.serials[0]}/power-cycle`);
    const list = terminal(['accounts', 'list']);
    await list.waitFor(/PIN for key HK-SIM-000001:\s*$/m);
    list.type(pin);
    list.enter();
    const listed = await list.finished();
    expect(listed.code).toBe(0);
    expect(listed.screen).toMatch(/typed\s+TOTP/);
    expect(listed.screen).not.toContain(pin);

    const change = terminal(['pin', 'change']);
    await change.waitFor(/Current PIN:\s*$/m);
    change.type(pin);
    change.enter();
    await change.waitFor(/New PIN \(4 to 8 digits\):\s*$/m);
    change.type(newPin);
    change.enter();
    await change.waitFor(/Repeat the new PIN:\s*$/m);
    change.type(newPin);
    change.enter();
    const changed = await change.finished();
    expect(changed.code).toBe(0);
    expect(changed.screen).toMatch(/PIN of key HK-SIM-000001 changed/);
    expect(changed.screen).not.toContain(pin);
    expect(changed.screen).not.toContain(newPin);
  });

  test('answers pasted in one go (PIN, Enter, PIN, Enter) fill both prompts: nothing typed ahead is lost', async () => {
    const fidoPin = String(randomInt(10_000_000, 100_000_000));
    const set = terminal(['fido', 'pin', 'set']);
    await set.waitFor(/New FIDO PIN:\s*$/m);
    tmux('send-keys', '-t', set.name, fidoPin, 'Enter', fidoPin, 'Enter');
    const done = await set.finished();
    expect(done.code).toBe(0);
    expect(done.screen).not.toContain(fidoPin);
  });

  test('confirmations can be declined, and Ctrl-C at a prompt exits 130', async () => {
    await sim.control('POST', `/v1/devices/${sim.serials[0]}/power-cycle`);
    const remove = terminal(['accounts', 'remove', 'typed']);
    await remove.waitFor(/PIN for key/);
    remove.type(newPin);
    remove.enter();
    await remove.waitFor(/Remove account typed \(id \d+\) and its secret from key HK-SIM-000001\? \[y\/N\]\s*$/m);
    remove.type('n');
    remove.enter();
    const declined = await remove.finished();
    expect(declined.code).toBe(0);
    expect(declined.screen).toMatch(/Nothing removed/);

    const wipe = terminal(['wipe']);
    await wipe.waitFor(/hold the key's button for 10 seconds[\s\S]*Wipe key HK-SIM-000001\? \[y\/N\]\s*$/m);
    tmux('send-keys', '-t', `t${sessions}`, 'C-c');
    const interrupted = await wipe.finished();
    expect(interrupted.code).toBe(130);

    const confirmed = terminal(['wipe']);
    await confirmed.waitFor(/Wipe key HK-SIM-000001\? \[y\/N\]\s*$/m);
    confirmed.type('y');
    confirmed.enter();
    const wiped = await confirmed.finished();
    expect(wiped.code).toBe(0);
    expect(wiped.screen).toMatch(/Key HK-SIM-000001 wiped/);
  });
});

describe('live progress on a terminal', { timeout: 90_000 }, () => {
  test('provision draws a bar for the batch and one per key, then the summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hkey-tty-'));
    const rows = Array.from({ length: 6 }, (_, index) => {
      const fresh = freshSecret();
      secrets.push(fresh.bytes);
      return `bar-${index},${fresh.base32}`;
    });
    const file = join(dir, 'bars.csv');
    await writeFile(file, `name,secret\n${rows.join('\n')}\n`);
    const audit = join(dir, 'audit.jsonl');
    const run = terminal(['provision', file, '--parallel', '--audit', audit]);
    const { code, screen } = await run.finished();
    await rm(file);
    // The audit log is scanned for secrets with everything else.
    transcript.push(await readFile(audit, 'utf8'));
    expect(code).toBe(0);
    expect(screen).toMatch(/all rows\s+█+ 6\/6/);
    expect(screen).toMatch(/HK-SIM-000001\s+█+ 6\/6\s+row \d bar-\d: ok/);
    expect(screen).toMatch(/6 written and verified/);
  });
});

test('nothing typed at a prompt appears in any output or test suite file', async () => {
  const files = await filesUnder(`${ROOT}/packages/cli/test`);
  expect(await findLeaks({ secrets, texts: [pin, newPin], outputs: transcript, files })).toEqual([]);
});
