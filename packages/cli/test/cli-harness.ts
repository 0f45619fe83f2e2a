/**
 * Runs `hkey` as a child process, the way users and scripts do. It runs the sources through tsx (which maps
 * @hkey/* to their sources via tsconfig paths), so tests never exercise a stale build.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NODE_ARGS = ['--import', 'tsx', BIN];

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function hkey(args: readonly string[], options: { stdin?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, env: { ...process.env, HKEY_TRANSPORT: '', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Starts `hkey sim` and resolves once it prints its ready event. */
export function startSim(args: readonly string[]): Promise<{ ready: Record<string, unknown>; stop(signal?: NodeJS.Signals): Promise<CliRun> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, 'sim', '--json', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready = false;
    const closed = new Promise<CliRun>((done) => child.on('close', (code) => done({ code, stdout, stderr })));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (ready) return;
      const line = stdout.split('\n').find((candidate) => candidate.includes('"ready"'));
      if (line === undefined) return;
      ready = true;
      resolve({
        ready: JSON.parse(line) as Record<string, unknown>,
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
