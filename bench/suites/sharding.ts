/**
 * Issue 18 item 1: 16 clients on 16 keys of one `hkey sim` (the built CLI, as users run it), with the keys on one
 * thread (--workers 1, the reference) and on one worker per core, the clients in a process of their own. Reports
 * GetOtp throughput, latency and the simulator's CPU time per request, which is what docs/scaling.md projects
 * to bigger machines.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LatencyResult } from '../async-measure.js';
import { markdownRow } from '../harness.js';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const CHILD = fileURLToPath(new URL('../children/udp-clients.ts', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
const KEYS = 16;
const DURATION_MS = 4000;

export interface ShardingResult extends LatencyResult {
  readonly workload: Workload;
  readonly workers: number;
  /** Every key event printed too (--json without --no-events). */
  readonly events: boolean;
  readonly simCpuMs: number;
  readonly clientCpuMs: number;
  readonly durationMs: number;
}

/**
 * `hkey sim --json` as a fleet runs it, its output going to a file (as docs/scaling.md shows): with --no-events
 * only the ready line, else also every key's events (two per request).
 */
async function startSim(workers: number, events: boolean): Promise<{ child: ChildProcess; ports: number[]; done(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'hkey-bench-sim-'));
  const file = join(directory, 'sim.jsonl');
  const out = await open(file, 'w');
  const args = [BIN, 'sim', '--devices', String(KEYS), '--workers', String(workers), '--udp', '0', '--ble-port', '0', '--control-port', '0', '--json'];
  const child = spawn(process.execPath, events ? args : [...args, '--no-events'], { stdio: ['ignore', out.fd, 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const done = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
    await out.close();
    await rm(directory, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const line = (await readFile(file, 'utf8')).split('\n').find((each) => each.includes('"event":"ready"'));
    if (line === undefined) continue;
    const ready = JSON.parse(line) as { devices: { udp: string }[] };
    return { child, ports: ready.devices.map((device) => Number(new URL(device.udp).port)), done };
  }
  await done();
  throw new Error('hkey sim did not print its ready line within 30 s');
}

type Workload = 'getotp' | 'getassertion';

async function measure(workload: Workload, workers: number, events: boolean): Promise<ShardingResult> {
  const { child, ports, done } = await startSim(workers, events);
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', CHILD, ports.join(','), String(DURATION_MS), String(child.pid), workload],
      {
        env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
      },
    );
    return {
      ...(JSON.parse(stdout.trim().split('\n').at(-1) as string) as LatencyResult & { simCpuMs: number; clientCpuMs: number; durationMs: number }),
      workload,
      workers,
      events,
    };
  } finally {
    await done();
  }
}

export async function measureSharding(): Promise<ShardingResult[]> {
  const cores = Math.max(2, availableParallelism());
  const results: ShardingResult[] = [];
  for (const [workload, events] of [
    ['getotp', false],
    ['getotp', true],
    ['getassertion', false],
  ] as const) {
    for (const workers of [1, cores]) results.push(await measure(workload, workers, events));
  }
  return results;
}

export function renderSharding(results: readonly ShardingResult[]): string {
  const rows = results.map((result) => {
    const reference = results.find((each) => each.workers === 1 && each.events === result.events && each.workload === result.workload) as ShardingResult;
    const cpuPerRequestUs = (result.simCpuMs * 1000) / result.operations;
    const coresBusy = result.simCpuMs / result.durationMs;
    const request = result.workload === 'getotp' ? 'GetOtp' : 'FIDO GetAssertion (ES256)';
    const output = result.events ? ', every event printed' : ' --no-events';
    return markdownRow([
      `${KEYS} UDP clients on ${KEYS} keys, ${request}, --workers ${result.workers}${output}`,
      Math.round(result.perSecond).toLocaleString('en-US'),
      result.p50Ms.toFixed(2),
      result.p99Ms.toFixed(2),
      `${cpuPerRequestUs.toFixed(0)} µs`,
      coresBusy.toFixed(2),
      `${((result.clientCpuMs * 1000) / result.operations).toFixed(0)} µs`,
      result === reference ? 'reference' : `${(result.perSecond / reference.perSecond).toFixed(2)}x`,
    ]);
  });
  return [
    `### Worker threads (${availableParallelism()} cores; clients in their own process)`,
    '',
    '| benchmark | requests/s | p50 ms | p99 ms | simulator CPU per request | simulator cores busy | client CPU per request | vs --workers 1 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
}
