import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Tests run against sources, not dist, so `npm test` never depends on a stale build.
export default defineConfig({
  resolve: {
    alias: {
      '@hkey/protocol': here('./protocol/src/index.ts'),
      '@hkey/firmware-sim/node': here('./firmware-sim/src/node/index.ts'),
      '@hkey/firmware-sim': here('./firmware-sim/src/index.ts'),
      '@hkey/bridge': here('./bridge/src/index.ts'),
      '@hkey/conformance': here('./packages/conformance/src/index.ts'),
    },
  },
  test: {
    include: [
      'protocol/test/**/*.test.ts',
      'firmware-sim/test/**/*.test.ts',
      'bridge/test/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 20000,
    pool: 'forks',
  },
});
