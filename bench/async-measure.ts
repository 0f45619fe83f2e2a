/** Throughput and latency of asynchronous operations, for round-trip benchmarks. */
import { performance } from 'node:perf_hooks';

export interface LatencyResult {
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly operations: number;
}

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

/**
 * Runs `workers` loops of `operation` (worker i gets index i) for `durationMs` after a warm-up, recording each
 * operation's latency.
 */
export async function measureLoops(
  workers: number,
  operation: (worker: number) => Promise<unknown>,
  durationMs = 2000,
  warmupMs = 300,
): Promise<LatencyResult> {
  const latencies: number[] = [];
  let stopAt = performance.now() + warmupMs + durationMs;
  const recordFrom = performance.now() + warmupMs;
  const loop = async (worker: number): Promise<void> => {
    while (performance.now() < stopAt) {
      const started = performance.now();
      await operation(worker);
      if (started >= recordFrom) {
        latencies.push(performance.now() - started);
      }
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker)));
  stopAt = 0;
  const measuredMs = performance.now() - Math.max(begin, recordFrom);
  const sorted = Float64Array.from(latencies).sort();
  return { perSecond: (latencies.length * 1000) / measuredMs, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), operations: latencies.length };
}
