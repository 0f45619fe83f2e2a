/** `hkey sim` cold start to its ready line and `hkey --version`, against `node -e 0` (bare Node start-up) measured in the same run. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { markdownRow } from '../harness.js';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

function timeUntil(args: string[], marker: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (marker !== undefined && output.includes(marker)) {
        const elapsed = performance.now() - started;
        child.kill('SIGTERM');
        resolve(elapsed);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (marker === undefined) resolve(performance.now() - started);
      else if (!output.includes(marker)) reject(new Error(`hkey sim exited with ${code} before ready`));
    });
  });
}

export interface StartupResult {
  readonly simMs: number;
  readonly versionMs: number;
  readonly nodeMs: number;
  readonly runs: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export async function measureStartup(runs = 11): Promise<StartupResult> {
  const sim: number[] = [];
  const version: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(await timeUntil(['-e', '0'], undefined));
    sim.push(await timeUntil([BIN, 'sim', '--udp', '0', '--ble-port', '0', '--control-port', '0', '--json'], '"ready"'));
    version.push(await timeUntil([BIN, '--version'], undefined));
  }
  return { simMs: median(sim), versionMs: median(version), nodeMs: median(node), runs };
}

function row(benchmark: string, command: string, ms: number, nodeMs: number, targetAboveMs: number): string {
  const above = ms - nodeMs;
  return markdownRow([
    benchmark,
    command,
    ms.toFixed(0),
    'node -e 0',
    nodeMs.toFixed(0),
    `${above.toFixed(0)} ms`,
    `${(ms / nodeMs).toFixed(2)}x`,
    `< ${targetAboveMs} ms above`,
    above < targetAboveMs ? 'yes' : 'NO',
  ]);
}

export function renderStartup({ simMs, versionMs, nodeMs, runs }: StartupResult): string {
  return [
    '### Start-up',
    '',
    '| benchmark | hkey | ms | reference | ms | above reference | ratio | target | met |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | --- | --- |',
    row(`\`hkey sim\` cold start to ready (median of ${runs})`, 'dist/bin.js sim', simMs, nodeMs, 50),
    row(`\`hkey --version\` (median of ${runs})`, 'dist/bin.js --version', versionMs, nodeMs, 25),
    '',
  ].join('\n');
}
