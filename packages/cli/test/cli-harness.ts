/**
 * Runs `hkey` as a child process, the way users and scripts do. It runs the sources through tsx (which maps
 * @hkey/* to their sources via tsconfig paths), so tests never exercise a stale build. Every byte a child prints
 * is kept in `transcript`, which the secret scan reads at the end of each test file.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const NODE_ARGS = ['--import', 'tsx', BIN];

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything every child process of this test file printed, stdout and stderr. */
export const transcript: string[] = [];

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

function environment(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  // A developer's own settings must not leak into the tests.
  return { ...process.env, HKEY_TRANSPORT: '', HKEY_PIN: '', HKEY_NEW_PIN: '', ...extra };
}

export function hkey(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  return spawnHkey(args, options).done;
}

export interface RunningCli {
  /** Resolves with the first stdout line (parsed as JSON) for which `match` is true. */
  nextEvent(match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Calls `listener` for every JSON line on stdout. */
  onEvent(listener: (event: Record<string, unknown>) => void): void;
  readonly done: Promise<CliRun>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `hkey` and lets the test react to its JSON lines while it runs. */
export function spawnHkey(args: readonly string[], options: RunOptions = {}): RunningCli {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: environment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  const listeners: ((event: Record<string, unknown>) => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const listener of [...listeners]) listener(event);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      transcript.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
  child.stdin.end(options.stdin ?? '');
  return {
    done,
    onEvent: (listener) => listeners.push(listener),
    nextEvent: (match) =>
      new Promise((resolve, reject) => {
        const listener = (event: Record<string, unknown>): void => {
          if (!match(event)) return;
          listeners.splice(listeners.indexOf(listener), 1);
          resolve(event);
        };
        listeners.push(listener);
        void done.then((run) => reject(new Error(`hkey exited (${run.code}) before the expected event: ${run.stderr}`)));
      }),
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}

export interface Sim {
  readonly ready: Record<string, unknown>;
  /** udp:// addresses of the keys, in serial order. */
  readonly transports: string[];
  readonly serials: string[];
  /** Calls the control API (docs/protocol.md §8.3) and returns its JSON answer. */
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(signal?: NodeJS.Signals): Promise<CliRun>;
}

/** Starts `hkey sim` and resolves once it prints its ready event. */
export function startSim(args: readonly string[]): Promise<Sim> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, 'sim', '--json', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready = false;
    const closed = new Promise<CliRun>((done) =>
      child.on('close', (code) => {
        transcript.push(stdout, stderr);
        done({ code, stdout, stderr });
      }),
    );
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (ready) return;
      const line = stdout.split('\n').find((candidate) => candidate.includes('"ready"'));
      if (line === undefined) return;
      ready = true;
      const event = JSON.parse(line) as { control: string; controlToken: string; devices: { serial: string; udp: string }[] };
      resolve({
        ready: event as unknown as Record<string, unknown>,
        transports: event.devices.map((device) => device.udp),
        serials: event.devices.map((device) => device.serial),
        async control(method, path, body) {
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${event.controlToken}` };
          const response = await fetch(`${event.control}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
          const answer = (await response.json()) as unknown;
          if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
          return answer;
        },
        stop: (signal = 'SIGTERM') => {
          child.kill(signal);
          return closed;
        },
      });
    });
    void closed.then((result) => {
      if (!ready) reject(new Error(`hkey sim exited with ${result.code} before ready: ${result.stderr}`));
    });
  });
}

/** Simulates pulling a key out (its UDP endpoint stops answering) or plugging it back in. */
export async function setPresent(sim: Sim, serial: string, present: boolean): Promise<void> {
  if (present) await sim.control('DELETE', `/v1/devices/${serial}/faults`);
  else await sim.control('POST', `/v1/devices/${serial}/faults`, { kind: 'drop', direction: 'in', transport: 'hid' });
}

/** The JSON lines a `--json` run printed. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
