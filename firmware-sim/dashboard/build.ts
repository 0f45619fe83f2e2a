/**
 * Builds the dashboard page (docs/protocol.md §8.6) into one script, its stylesheet and its HTML: no CDN, nothing
 * fetched at run time. `tsx dashboard/build.ts` (part of firmware-sim's build) writes them to dist/dashboard; tests
 * call buildDashboard() and serve the result from memory.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export interface BuiltDashboard {
  /** By URL path, as the control server's `dashboard` option takes them. */
  readonly files: ReadonlyMap<string, string>;
}

export async function buildDashboard(): Promise<BuiltDashboard> {
  const script = await build({
    entryPoints: [here('./src/main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return {
    files: new Map([
      ['/', await readFile(here('./index.html'), 'utf8')],
      ['/dashboard.js', script.outputFiles[0]?.text ?? ''],
      ['/dashboard.css', await readFile(here('./dashboard.css'), 'utf8')],
    ]),
  };
}

const names: Record<string, string> = { '/': 'index.html', '/dashboard.js': 'dashboard.js', '/dashboard.css': 'dashboard.css' };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = here('../dist/dashboard/');
  await mkdir(out, { recursive: true });
  const { files } = await buildDashboard();
  for (const [path, body] of files) await writeFile(`${out}${names[path]}`, body);
}
