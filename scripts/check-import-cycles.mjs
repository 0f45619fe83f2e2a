// Fails when the relative imports inside the packages' sources form a cycle, and prints each cycle found.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const sourceDirs = ['protocol/src', 'firmware-sim/src', 'bridge/src', 'packages/cli/src', 'packages/conformance/src'];

const files = sourceDirs.flatMap((dir) =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => join(root, dir, name)),
);
const known = new Set(files);

/** The source files one file imports by relative path (`./x.js` is `./x.ts` on disk). */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
    .filter((target) => known.has(target));
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));
const cycles = [];
const state = new Map(); // file -> 'open' while on the current path, 'done' once fully explored
const path = [];

function visit(file) {
  state.set(file, 'open');
  path.push(file);
  for (const next of graph.get(file)) {
    if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  path.pop();
  state.set(file, 'done');
}
for (const file of files) if (!state.has(file)) visit(file);

for (const cycle of cycles) console.error(`import cycle: ${cycle.map((file) => relative(root, file)).join(' -> ')}`);
process.exit(cycles.length === 0 ? 0 : 1);
