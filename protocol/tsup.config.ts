import { defineConfig } from 'tsup';

// Two entries: Node (HMAC from node:crypto) and browsers (no node: imports; HMAC from @noble/hashes).
export default defineConfig({
  entry: ['src/index.ts', 'src/index.browser.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
