import { defineConfig } from 'tsup';

// The Node side; scripts/build-init-scripts.mjs then adds the browser bundles the fixture injects.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // init-script.ts finds the bundles next to itself through import.meta.url, in the CommonJS build too.
  shims: true,
  external: ['@playwright/test'],
});
