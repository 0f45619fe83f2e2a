// A longer fuzz run than `npm test` does: `npm run fuzz -- --cases 20000000 [--seed 123]` (docs/reliability.md).
// Runs the fuzz targets (fuzz.test.ts, bridge-ws-fuzz.test.ts, cli-args-fuzz.test.ts, sealed-fuzz.test.ts) with the
// budget scaled to N cases in total and prints the cases per target.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable } from '../test/reliability/fuzz/budget.js';

const { values } = parseArgs({ options: { cases: { type: 'string' }, seed: { type: 'string' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const reportDirectory = mkdtempSync(join(tmpdir(), 'hkey-fuzz-'));
const report = join(reportDirectory, 'report.jsonl');

const env: NodeJS.ProcessEnv = { ...process.env, HKEY_FUZZ_REPORT: report };
if (values.cases !== undefined) env.HKEY_FUZZ_CASES = values.cases;
// One seed for all the files, so the run can be repeated as a whole.
env.HKEY_FUZZ_SEED = values.seed ?? String(1 + Math.floor(Math.random() * 0x7fff_fffe));

const vitest = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    'test/reliability/fuzz.test.ts',
    'test/reliability/bridge-ws-fuzz.test.ts',
    'test/reliability/cli-args-fuzz.test.ts',
    'test/reliability/sealed-fuzz.test.ts',
  ],
  { cwd: root, env, stdio: 'inherit' },
);

try {
  const rows = readFileSync(report, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Parameters<typeof formatTable>[0][number] & { seed: number });
  if (rows.length > 0) console.log(`\nfuzz run, seed ${rows[0]?.seed}:\n${formatTable(rows)}`);
} catch {
  console.log('\nNo fuzz target finished; see the output above.');
} finally {
  rmSync(reportDirectory, { recursive: true, force: true });
}
process.exit(vitest.status ?? 1);
