/**
 * Case budgets and reporting of the fuzz targets (docs/reliability.md).
 *
 * `npm test` runs every target with its CI budget: about 1.5 million cases, about a minute and a half of one core. A longer
 * run is `npm run fuzz -- --cases N` or HKEY_FUZZ_CASES=N: the CI budgets are scaled so that they add up to N.
 * HKEY_FUZZ_SEED pins the seed; otherwise every run draws a new one and prints it.
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';

/** What one case is differs per target; docs/reliability.md lists them. */
export const CI_CASES = {
  'base32 decodeBase32': 300_000,
  'cbor decodeCbor / decodeMessageParams': 250_000,
  'cbor decodeRequest / decodeResponse': 150_000,
  'command parameters (decoder oracle)': 150_000,
  'otpauth parseOtpauthUri': 100_000,
  'hid HidReceiver': 200_000,
  'ble-link BleLinkFrameReader': 60_000,
  'command parameters into the key': 30_000,
  'hid HidEndpoint sequences': 4_000,
  'ble BleEndpoint sequences': 4_000,
  'state stateFromJson': 15_000,
  'state FileStore.load': 2_500,
  'ble-link server over TCP': 400,
  'ctap decodeCtap': 160_000,
  'u2f decodeU2fRequest / U2F handler': 40_000,
  'fido FidoAuthenticator sequences': 4_000,
  'bridge WebSocket messages': 20_000,
  'CLI command lines': 3_000,
  'sealed item, operation and receipt parsers': 60_000,
  'sealed bundle files': 20_000,
  'sealed ApplySealed sequences': 1_500,
} as const;

export type FuzzTarget = keyof typeof CI_CASES;

const CI_TOTAL = Object.values(CI_CASES).reduce((sum, cases) => sum + cases, 0);

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${text}".`);
  return value;
}

const requestedTotal = positiveInteger(process.env.HKEY_FUZZ_CASES, 'HKEY_FUZZ_CASES');

export function casesFor(target: FuzzTarget): number {
  const base = CI_CASES[target];
  return requestedTotal === undefined ? base : Math.max(1, Math.round((base * requestedTotal) / CI_TOTAL));
}

export const fuzzSeed = positiveInteger(process.env.HKEY_FUZZ_SEED, 'HKEY_FUZZ_SEED') ?? (Math.random() * 0x7fff_ffff) | 0;

/**
 * A vitest timeout for a target: the CI budgets finish far inside it, and a scaled run gets as much more time as
 * it has more cases (at a pessimistic 2,000 cases per second for the slowest targets).
 */
export function timeoutFor(target: FuzzTarget, minimumMs = 120_000): number {
  const scale = casesFor(target) / CI_CASES[target];
  return Math.max(minimumMs, Math.ceil(minimumMs * scale));
}

interface TargetResult {
  readonly target: FuzzTarget;
  readonly cases: number;
  readonly ms: number;
  readonly note: string;
}

const results: TargetResult[] = [];

/** Records one finished target; HKEY_FUZZ_REPORT (set by scripts/fuzz.ts) also gets it as a JSON line. */
export function record(target: FuzzTarget, cases: number, ms: number, note = ''): void {
  const result = { target, cases, ms, note };
  results.push(result);
  const file = process.env.HKEY_FUZZ_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify({ ...result, seed: fuzzSeed })}\n`);
}

export function formatTable(rows: readonly TargetResult[]): string {
  const width = Math.max(...rows.map((row) => row.target.length), 'total'.length);
  const lines = rows.map((row) => {
    const perSecond = String(Math.round((row.cases * 1000) / Math.max(row.ms, 1))).padStart(8);
    const note = row.note ? `  ${row.note}` : '';
    return `${row.target.padEnd(width)}  ${String(row.cases).padStart(10)} cases  ${(row.ms / 1000).toFixed(1).padStart(6)} s  ${perSecond}/s${note}`;
  });
  const cases = rows.reduce((sum, row) => sum + row.cases, 0);
  const ms = rows.reduce((sum, row) => sum + row.ms, 0);
  lines.push(`${'total'.padEnd(width)}  ${String(cases).padStart(10)} cases  ${(ms / 1000).toFixed(1).padStart(6)} s`);
  return lines.join('\n');
}

export function printReport(): void {
  if (results.length === 0) return;
  console.log(`fuzz seed ${fuzzSeed} (HKEY_FUZZ_SEED=${fuzzSeed} repeats this run)\n${formatTable(results)}`);
}

/**
 * Runs a property with stack traces off: building a stack for every expected rejection costs more than the
 * case itself (three to four times the throughput without). A failure is replayed from its seed and path with
 * stacks on, so the report fast-check throws is complete.
 */
export function check<Ts>(property: fc.IProperty<Ts>, numRuns: number): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let details: fc.RunDetails<Ts>;
  try {
    details = fc.check(property, { numRuns, seed: fuzzSeed });
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (details.failed)
    fc.assert(property, { numRuns, seed: details.seed, path: details.counterexamplePath ?? undefined, endOnFailure: true, includeErrorInReport: true });
}

export async function checkAsync<Ts>(property: fc.IAsyncProperty<Ts>, numRuns: number): Promise<void> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let details: fc.RunDetails<Ts>;
  try {
    details = await fc.check(property, { numRuns, seed: fuzzSeed });
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (details.failed)
    await fc.assert(property, { numRuns, seed: details.seed, path: details.counterexamplePath ?? undefined, endOnFailure: true, includeErrorInReport: true });
}
