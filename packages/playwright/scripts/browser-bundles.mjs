/**
 * The init scripts: one browser bundle per source, built from the packages' sources (the bridge's browser entry,
 * and for the in-page source firmware-sim too). `npm run build` writes them into dist; run from sources, the
 * fixture bundles them on first use through this same function.
 */
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = (path) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** The file each source's bundle has in dist. */
export const INIT_SCRIPT_FILES = { bridge: 'hkey-shims-bridge.js', 'in-page': 'hkey-shims-in-page.js' };

const ENTRIES = { bridge: 'bridge-entry.ts', 'in-page': 'in-page-entry.ts' };

/** The bundle of one source as text: a classic script that runs before the page's own scripts. */
export async function bundleInitScript(kind) {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../src/browser/${ENTRIES[kind]}`, import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    // Every browser Playwright drives: the fixture needs no CDP, so Firefox and WebKit get the same script.
    target: ['chrome111', 'firefox115', 'safari16.4'],
    legalComments: 'none',
    logLevel: 'silent',
    alias: {
      '@hkey/protocol': root('protocol/src/index.browser.ts'),
      '@hkey/bridge/browser': root('bridge/src/index.browser.ts'),
      '@hkey/firmware-sim': root('firmware-sim/src/index.ts'),
    },
  });
  return result.outputFiles[0].text;
}
