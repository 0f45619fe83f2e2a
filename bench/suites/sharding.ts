/**
 * Issue 18 item 1: 16 clients on 16 keys of one `hkey sim` (the built CLI, as users run it), with the keys on one
 * thread (--workers 1, the reference) and on one worker per core, the clients in a process of their own. Reports
 * GetOtp throughput, latency and the simulator's CPU time per request, which is what docs/scaling.md projects
 * to bigger machines.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
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
  readonly workers: number;
  readonly simCpuMs: number;
  readonly clientCpuMs: number;
  readonly durationMs: number;
}

async function startSim(workers: number): Promise<{ child: ChildProcess; ports: number[] }> {
  const args = [BIN, 'sim', '--devices', String(KEYS), '--workers', String(workers), '--udp', '0', '--ble-port', '0', '--control-port', '0', '--json'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ devices: { udp: string }[] }>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((each) => each.includes('"event":"ready"'));
      if (line) resolve(JSON.parse(line) as { devices: { udp: string }[] });
    });
    child.once('exit', (code) => reject(new Error(`hkey sim exited with ${code} before ready`)));
  });
  child.stdout!.resume();
  return { child, ports: ready.devices.map((device) => Number(new URL(device.udp).port)) };
}

async function measure(workers: number): Promise<ShardingResult> {
  const { child, ports } = await startSim(workers);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, ports.join(','), String(DURATION_MS), String(child.pid)], {
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
    });
    return { workers, ...(JSON.parse(stdout.trim().split('\n').at(-1) as string) as Omit<ShardingResult, 'workers'>) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

export async function measureSharding(): Promise<ShardingResult[]> {
  const cores = availableParallelism();
  return [await measure(1), await measure(Math.max(2, cores))];
}

export function renderSharding(results: readonly ShardingResult[]): string {
  const reference = results[0] as ShardingResult;
  const rows = results.map((result) => {
    const cpuPerRequestUs = (result.simCpuMs * 1000) / result.operations;
    const coresBusy = result.simCpuMs / result.durationMs;
    return markdownRow([
      `${KEYS} UDP clients on ${KEYS} keys, GetOtp, --workers ${result.workers}`,
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
    '| benchmark | GetOtp/s | p50 ms | p99 ms | simulator CPU per request | simulator cores busy | client CPU per request | vs --workers 1 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
  ].join('\n');
}
