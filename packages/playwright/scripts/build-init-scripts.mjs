/** The esbuild step of `npm run build` (after tsup): the init scripts next to index.js in dist. */
import { writeFile } from 'node:fs/promises';
import { URL } from 'node:url';
import { INIT_SCRIPT_FILES, bundleInitScript } from './browser-bundles.mjs';

for (const [kind, file] of Object.entries(INIT_SCRIPT_FILES)) {
  await writeFile(new URL(`../dist/${file}`, import.meta.url), await bundleInitScript(kind));
}
