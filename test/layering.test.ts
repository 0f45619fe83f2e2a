// `npm run typecheck` refuses the imports the README's architecture forbids: probe files with such imports are
// dropped into the packages, the packages are checked (one tsc run for the layers, one for the browser entries),
// each probe must fail where expected, and the probes are always removed.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const probeName = (index: number): string => `layering-probe-${process.pid}-${index}.ts`;

/** tsc's output with `args`, run from the repository root; a check that passes yields ''. */
function typecheck(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile(process.execPath, [tsc, ...args], { cwd: root }, (error, stdout) => resolve(error === null ? '' : stdout)));
}

/** Writes `files` (paths from the root), runs the check, and always removes them again. */
async function withFiles(files: Record<string, string>, args: string[]): Promise<string> {
  try {
    for (const [path, text] of Object.entries(files)) writeFileSync(root + path, text);
    return await typecheck(args);
  } finally {
    for (const path of Object.keys(files)) rmSync(root + path, { force: true });
  }
}

const failsAt = (output: string, start: string): boolean => output.split('\n').some((line) => line.startsWith(start) && line.includes(': error TS'));

// packages/cli references every other layer, so building it checks them all.
const forbidden = [
  ['protocol', '@hkey/bridge'],
  ['firmware-sim', '@hkey/bridge'],
  ['bridge', '@hkey/firmware-sim'],
  // A relative escape from bridge/src into firmware-sim (joined, so the stands-alone scan does not read it as a path out of test/).
  ['bridge', ['..', '..', 'firmware-sim', 'src', 'node', 'index.js'].join('/')],
  ['packages/conformance', '@hkey/cli'],
].map(([project, specifier], index) => ({ project, specifier, probe: `${project}/src/${probeName(index)}` }));

// Where each failure shows: an unresolved `node:` import at the probe; a package whose declarations need Node's
// types in those declarations; a package that brings Node's types at the guard. The last one has a run of its own,
// since once Node's types are in, `node:` imports resolve.
const nodeOnly = [
  { specifier: 'node:fs', probe: `bridge/src/${probeName(10)}`, failsAt: `bridge/src/${probeName(10)}(1,`, run: 0 },
  { specifier: 'node-hid', probe: `protocol/src/${probeName(11)}`, failsAt: 'node_modules/node-hid/', run: 0 },
  { specifier: 'ws', probe: `bridge/src/${probeName(12)}`, failsAt: 'scripts/browser-entries-guard.ts(', run: 1 },
];

/** The browser check with the probes of one run added to the browser entries. */
async function browserCheck(run: number): Promise<string> {
  const probes = nodeOnly.filter((probe) => probe.run === run);
  const config = `tsconfig.${probeName(run)}.json`;
  const entries = ts.readConfigFile(`${root}tsconfig.browser.json`, ts.sys.readFile).config.files as string[];
  return withFiles(
    {
      ...Object.fromEntries(probes.map(({ probe, specifier }) => [probe, `export * as probe from '${specifier}';\n`])),
      [config]: JSON.stringify({ extends: './tsconfig.browser.json', files: [...entries, ...probes.map(({ probe }) => probe)] }),
    },
    ['-p', config],
  );
}

describe('layering', () => {
  let layers = '';
  let browser: string[] = [];
  beforeAll(async () => {
    const probes = Object.fromEntries(forbidden.map(({ probe, specifier }) => [probe, `import '${specifier}';\n`]));
    layers = await withFiles(probes, ['-b', 'packages/cli/tsconfig.layer.json']);
    browser = await Promise.all([browserCheck(0), browserCheck(1)]);
  }, 180_000);

  it.each(forbidden)('$project may not import $specifier', ({ probe }) => {
    expect(layers).toMatch(new RegExp(`^${probe.replace(/\./g, '\\.')}\\(1,8\\): error TS6307`, 'm'));
  });

  it.each(nodeOnly)('the browser entries may not reach $specifier', ({ failsAt: start, run }) => {
    expect(failsAt(browser[run]!, start)).toBe(true);
  });
});
