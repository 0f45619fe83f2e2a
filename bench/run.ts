/**
 * `npm run bench [-- FILTER]` (which builds first: benchmarks run the packages' dist, as users do): runs every
 * suite (or those whose name contains FILTER), prints Markdown tables and writes them into BENCHMARKS.md between
 * its generated markers, with the machine, Node version, date and command.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { applyGeneratedBlocks } from '../scripts/generated-blocks.js';
import { type Comparison, compare, renderTable } from './harness.js';
import { cborComparisons } from './suites/cbor.js';
import { framingComparisons } from './suites/framing.js';
import { otpComparisons } from './suites/otp.js';
import { renderDashboard } from './suites/dashboard.js';
import { renderFido } from './suites/fido.js';
import { renderManyKeys } from './suites/many-keys.js';
import { renderProvisioning } from './suites/provisioning.js';
import { renderSealed } from './suites/sealed.js';
import { measureRoundTrips, renderRoundTrips } from './suites/roundtrip.js';
import { measureSharding, renderSharding } from './suites/sharding.js';
import { measureStartup, renderStartup } from './suites/startup.js';

const suites: [string, () => Comparison[]][] = [
  ['Framing', framingComparisons],
  ['CBOR codec', cborComparisons],
  ['OTP engine', otpComparisons],
];

const filter = process.argv[2]?.toLowerCase();
const sections: string[] = [];
for (const [title, build] of suites) {
  if (filter && !title.toLowerCase().includes(filter)) continue;
  const results = build().map((comparison) => {
    process.stderr.write(`  ${title}: ${comparison.benchmark} ...\n`);
    return compare(comparison);
  });
  const table = renderTable(title, results);
  process.stdout.write(`\n${table}`);
  sections.push(table);
}

/** Suites that measure whole systems rather than comparing two functions. */
const systemSuites: [string, () => Promise<string> | string][] = [
  ['Round trips', async () => renderRoundTrips(await measureRoundTrips())],
  ['Worker threads', async () => renderSharding(await measureSharding())],
  ['Many keys', () => renderManyKeys()],
  ['Provisioning', () => renderProvisioning()],
  ['Sealed provisioning', () => renderSealed()],
  ['Security-key mode', () => renderFido()],
  ['Dashboard', () => renderDashboard()],
];
for (const [title, render] of systemSuites) {
  if (filter && !title.toLowerCase().includes(filter)) continue;
  process.stderr.write(`  ${title} ...\n`);
  const table = await render();
  process.stdout.write(`\n${table}`);
  sections.push(table);
}

// `-- startup` and `-- start-up` both select it.
if (!filter || 'start-up'.includes(filter) || 'startup'.includes(filter)) {
  process.stderr.write('  Start-up: hkey sim cold start ...\n');
  const table = renderStartup(await measureStartup());
  process.stdout.write(`\n${table}`);
  sections.push(table);
}

const header = [
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench${filter ? ` -- ${filter}` : ''}\` on ${cpus()[0]?.model ?? 'unknown CPU'} ` +
    `(${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}.`,
  'ops/s are medians of 9 interleaved samples with half their range; the ratio is hkey over the reference measured in the same run.',
  '',
].join('\n');

if (!filter) {
  const path = new URL('../BENCHMARKS.md', import.meta.url);
  writeFileSync(path, applyGeneratedBlocks(readFileSync(path, 'utf8'), { results: `${header}\n${sections.join('\n')}` }));
  process.stderr.write('BENCHMARKS.md updated.\n');
}
