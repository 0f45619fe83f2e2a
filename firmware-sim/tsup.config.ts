import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    // import.meta.url in the CommonJS build too: the control server finds dist/dashboard next to dist/node.
    shims: true,
  },
  {
    // A worker thread's entry (sharded-simulator.ts starts it by path): ESM only, next to node/index.
    entry: { 'node/shard-worker': 'src/node/shard-worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
