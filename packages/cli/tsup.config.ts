import { defineConfig } from 'tsup';

// The CLI is an ESM binary. bin.js holds the start path (commander included: as CommonJS it would cost a parse
// and a wrapper at every start); commands are chunks loaded when they run, so `hkey sim` and `hkey --help` load
// only what they use.
export default defineConfig({
  entry: ['src/bin.ts'],
  format: ['esm'],
  splitting: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  noExternal: ['commander'],
  // The bundled CommonJS of commander requires Node's built-in modules.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
});
