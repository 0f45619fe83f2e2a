import { defineConfig } from 'tsup';

export default defineConfig({
  // index.browser has no node: imports; package.json serves it under the "browser" condition and ./browser.
  entry: ['src/index.ts', 'src/index.browser.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Optional native packages, loaded on first use from the user's node_modules; bundled they could not find their binaries.
  external: ['@stoprocent/noble', 'node-hid'],
});
