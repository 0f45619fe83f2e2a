/**
 * Every consumer of @hkey/protocol (browser bundles too) loads what it depends on, so otplib stays with the host
 * tools that verify with it (the CLI) and the tests that cross-check against it (root devDependencies).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

test("protocol's package.json lists no otplib", () => {
  const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as Record<string, unknown>;
  const sections = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];
  const listing = sections.filter((section) => Object.keys((manifest[section] ?? {}) as object).includes('otplib'));
  expect(listing).toEqual([]);
});

test("protocol's sources import no otplib", () => {
  const importing = sourceFiles(join(PACKAGE, 'src')).filter((file) => /\bfrom\s+['"]otplib['"]|import\(\s*['"]otplib['"]/.test(readFileSync(file, 'utf8')));
  expect(importing).toEqual([]);
});
