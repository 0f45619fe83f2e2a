/**
 * Batch provisioning at scale: 500 rows written and verified by `hkey provision --parallel` across 8 simulated keys,
 * against the same 500 rows on one key, measured in the same run (wall time of the real CLI).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodeBase32 } from '@hkey/protocol';
import { markdownRow } from '../harness.js';
import { startSimProcess } from '../sim-process.js';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const ROWS = 500;
const KEYS = 8;

async function provisionSeconds(devices: number, dir: string, label: string, realistic: boolean): Promise<number> {
  const sim = await startSimProcess([BIN], ['--storage', '1048576', '--devices', String(devices), ...(realistic ? ['--realistic-timing'] : [])]);
  try {
    const secret = encodeBase32(new Uint8Array(20).fill(9));
    const csv = ['name,secret', ...Array.from({ length: ROWS }, (_, index) => `${label}-${index},${secret}`)].join('\n');
    const file = join(dir, `${label}.csv`);
    await writeFile(file, `${csv}\n`);
    const started = performance.now();
    execFileSync(
      process.execPath,
      [BIN, 'provision', file, '--parallel', '--quiet', '--audit', join(dir, `${label}.jsonl`), '--transport', sim.transports.join(',')],
      { stdio: 'inherit' },
    );
    return (performance.now() - started) / 1000;
  } finally {
    await sim.stop();
  }
}

/**
 * Two runs: keys at real-device pace (1 ms per HID report, as a USB key), where a row's time is the link's and
 * parallel keys overlap it, which is what a technician with real keys sees; and the instant simulator, where a
 * row's time is CPU in the hkey and simulator processes, which two cores cannot run eight times over.
 */
export async function renderProvisioning(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hkey-bench-provision-'));
  try {
    const lines = [
      '### Batch provisioning',
      '',
      '| benchmark | hkey | seconds | reference | seconds | scaling | target | met |',
      '| --- | --- | ---: | --- | ---: | ---: | --- | --- |',
    ];
    for (const realistic of [true, false]) {
      const pace = realistic ? 'keys at USB timing' : 'instant simulator';
      const one = await provisionSeconds(1, dir, `one-${realistic}`, realistic);
      const eight = await provisionSeconds(KEYS, dir, `eight-${realistic}`, realistic);
      const scaling = one / eight;
      const target = realistic ? `>= 6x with ${KEYS} keys` : 'CPU-bound (see notes)';
      const met = realistic ? (scaling >= 6 ? 'yes' : 'NO') : '';
      lines.push(
        markdownRow([
          `${ROWS} rows written and verified, ${pace}`,
          `\`hkey provision --parallel\`, ${KEYS} keys`,
          eight.toFixed(2),
          'the same rows on 1 key',
          one.toFixed(2),
          `${scaling.toFixed(2)}x`,
          target,
          met,
        ]),
      );
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
