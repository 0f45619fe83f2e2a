/** The page script (src/browser, with @simplewebauthn/browser unmodified) bundled by esbuild at start, and the stylesheet. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Assets {
  readonly script: string;
  readonly style: string;
}

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export async function buildAssets(): Promise<Assets> {
  const [bundled, style] = await Promise.all([
    build({
      entryPoints: [here('./browser/main.ts')],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'chrome110',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
    readFile(here('./browser/app.css'), 'utf8'),
  ]);
  return { script: bundled.outputFiles[0]?.text ?? '', style };
}
