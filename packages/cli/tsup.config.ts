import { defineConfig } from 'tsup';

// The CLI is an ESM binary; commands are split into chunks loaded on demand so `hkey sim` starts fast.
export default defineConfig({
  entry: ['src/bin.ts'],
  format: ['esm'],
  splitting: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
