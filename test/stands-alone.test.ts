/** The repository stands alone: no source, test or script reaches a path outside it (such as ../shared), so a clone anywhere works. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-results', '.hkey-state']);
const CHECKED = /\.(?:ts|mts|cts|js|mjs|cjs|json|sh)$|^\.ci\//;

function repositoryFiles(directory = ROOT): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const path = resolve(directory, entry.name);
    return entry.isDirectory() ? repositoryFiles(path) : [relative(ROOT, path).split(sep).join('/')];
  });
}

test('no file names a relative path that climbs out of the repository', () => {
  const escapes: string[] = [];
  for (const file of repositoryFiles().filter((path) => CHECKED.test(path))) {
    // Relative paths in string literals, up to an interpolation: resolved against the file's own directory.
    for (const [, path] of readFileSync(resolve(ROOT, file), 'utf8').matchAll(/[`'"]((?:\.\.\/)+[^`'"$\s]*)/g)) {
      if (relative(ROOT, resolve(ROOT, dirname(file), path as string)).startsWith('..')) escapes.push(`${file}: ${path}`);
    }
  }
  expect(escapes).toEqual([]);
});
