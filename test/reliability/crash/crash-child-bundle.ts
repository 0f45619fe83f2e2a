/** The crash tests' child (crash-child.ts) bundled once into a temporary directory, which the caller removes. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export async function bundleCrashChild(prefix: string): Promise<{ directory: string; child: string }> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  const child = join(directory, 'crash-child.cjs');
  // One bundle, started hundreds of times: node starts it in about 0.1 s, `node --import tsx` in about 1 s.
  await build({
    entryPoints: [fileURLToPath(new URL('../crash-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: child,
    logLevel: 'error',
  });
  return { directory, child };
}
