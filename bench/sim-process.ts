/**
 * `hkey sim --json` in a process of its own for the system benchmarks, resolved at its ready line. Without
 * `events`, --no-events keeps its output to that line; with them, its output goes to a file, so this process never
 * spends the benchmark's CPU reading the keys' event stream.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SimProcess {
  readonly pid: number;
  /** udp:// addresses of the keys, in device order. */
  readonly transports: readonly string[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/** `launcher` starts the CLI: the built bin.js, or its sources through `--import tsx`. */
export async function startSimProcess(launcher: readonly string[], args: readonly string[], options: { events?: boolean } = {}): Promise<SimProcess> {
  const directory = await mkdtemp(join(tmpdir(), 'hkey-bench-sim-'));
  const file = join(directory, 'sim.jsonl');
  const output = await open(file, 'w');
  const common = ['sim', '--json', '--udp', '0', '--ble-port', '0', '--control-port', '0', ...args];
  const child = spawn(process.execPath, [...launcher, ...common, ...(options.events ? [] : ['--no-events'])], { stdio: ['ignore', output.fd, 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
    await output.close();
    await rm(directory, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + READY_TIMEOUT_MS; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (child.exitCode !== null) break;
    const line = (await readFile(file, 'utf8')).split('\n').find((each) => each.includes('"event":"ready"'));
    if (line === undefined) continue;
    const ready = JSON.parse(line) as { devices: { udp: string }[] };
    return { pid: child.pid as number, transports: ready.devices.map((device) => device.udp), stop };
  }
  await stop();
  throw new Error(`hkey sim ${args.join(' ')} printed no ready line`);
}
