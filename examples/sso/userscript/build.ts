/**
 * `npx tsx examples/sso/userscript/build.ts [PORT]`: bundles hkey-webauthn.ts, from the repository's sources,
 * into .hkey-sso/hkey-webauthn.user.js, a userscript for http://localhost:PORT (default 8130) that a userscript
 * manager (Tampermonkey, Violentmonkey) runs at document-start.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const port = Number(process.argv[2] ?? 8130);
const outfile = root('.hkey-sso/hkey-webauthn.user.js');

await build({
  entryPoints: [fileURLToPath(new URL('./hkey-webauthn.ts', import.meta.url))],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'chrome110',
  outfile,
  logLevel: 'warning',
  // The browser entries, from source: no build of the packages needed.
  alias: { '@hkey/bridge': root('bridge/src/index.browser.ts'), '@hkey/protocol': root('protocol/src/index.browser.ts') },
  banner: {
    js: [
      '// ==UserScript==',
      '// @name     hkey WebAuthn shim',
      `// @match    http://localhost:${port}/*`,
      '// @run-at   document-start',
      '// @grant    none',
      '// ==/UserScript==',
    ].join('\n'),
  },
});
console.log(`wrote ${outfile}`);
