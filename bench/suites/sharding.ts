/**
 * Issue 18 item 1: 16 clients on 16 keys of one `hkey sim` (the built CLI, as users run it), with the keys on one
 * thread (--workers 1, the reference) and on one worker per core, the clients in a process of their own. Reports
 * GetOtp throughput, latency and the simulator's CPU time per request, which is what docs/scaling.md projects
 * to bigger machines.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LatencyResult } from '../async-measure.js';
import { markdownRow } from '../harness.js';
import { startSimProcess } from '../sim-process.js';

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

type Workload = 'getotp' | 'getassertion';

async function measure(workload: Workload, workers: number, events: boolean): Promise<ShardingResult> {
  const sim = await startSimProcess([BIN], ['--devices', String(KEYS), '--workers', String(workers)], { events });
  const ports = sim.transports.map((transport) => new URL(transport).port);
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', CHILD, ports.join(','), String(DURATION_MS), String(sim.pid), workload],
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
    await sim.stop();
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
