/** --transport addresses: the help and the READMEs name every scheme of the bridge's registry, and refusals quote nothing. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ADDRESS_SCHEMES, ADDRESS_SYNTAX } from '@hkey/bridge';
import { buildProgram } from '../src/program.js';
import { ROOT, hkey } from './cli-harness.js';

test("the --transport help is the registry's syntax line", () => {
  const option = buildProgram().options.find((candidate) => candidate.long === '--transport');
  expect(option?.description).toBe(`where keys are: ${ADDRESS_SYNTAX}; repeat or comma-separate for several`);
});

test.each(['README.md', 'packages/cli/README.md'])('%s names every scheme as the registry writes it', async (file) => {
  const text = (await readFile(join(ROOT, file), 'utf8')).replaceAll('\n', ' ');
  expect(ADDRESS_SCHEMES.map(({ syntax }) => syntax).filter((syntax) => !text.includes(`\`${syntax}\``))).toEqual([]);
});

// A bridge address with its token in the query was quoted back whole in the "Unknown transport" error.
test.each([
  { argv: ['--transport', 'ws://127.0.0.1:9/?token=PLANTED-BRIDGE-TOKEN', 'info', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
  { argv: ['--transport', 'wss://127.0.0.1:9/key#PLANTED-BRIDGE-TOKEN', 'devices', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
  { argv: ['--transport', 'ws://127.0.0.1:9/?token=PLANTED-BRIDGE-TOKEN', 'conformance', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
  { argv: ['--transport', 'udp://', 'info', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
  { argv: ['--transport', 'hid:', 'info', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
  { argv: ['--transport', 'udp:PLANTED-BRIDGE-TOKEN', 'info', '--json'], code: 2, error: 'USAGE_TRANSPORT' },
])('hkey $argv.1 $argv.2: exit $code, the address not quoted', async ({ argv, code, error }) => {
  const run = await hkey(argv);
  expect(run.code).toBe(code);
  expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: error } });
  expect(run.stdout + run.stderr).not.toContain('PLANTED-BRIDGE-TOKEN');
});
