/**
 * Tests that run the `hkey` binary need the packages' dist to match their sources: rebuild when any source
 * file is newer than its package's build, so `npm test` never exercises stale code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = ['protocol', 'firmware-sim', 'bridge', 'packages/conformance', 'packages/cli'];

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  const stale = packages.filter((name) => {
    const dist = join(root, name, 'dist');
    return !existsSync(dist) || newest(join(root, name, 'src')) > newest(dist);
  });
  if (stale.length === 0) return;
  process.stderr.write(`Rebuilding ${stale.join(', ')} (sources newer than dist)...\n`);
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}
