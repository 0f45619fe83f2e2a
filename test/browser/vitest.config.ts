import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// `npm run test:browser`: real Chromium, kept apart from the Node run (the root config excludes test/browser).
export default defineConfig({
  root: here('../..'),
  resolve: {
    alias: {
      '@hkey/protocol': here('../../protocol/src/index.ts'),
      '@hkey/firmware-sim/node': here('../../firmware-sim/src/node/index.ts'),
      '@hkey/firmware-sim': here('../../firmware-sim/src/index.ts'),
      '@hkey/bridge': here('../../bridge/src/index.ts'),
    },
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One Chromium at a time on a 2-core machine.
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/browser.json' },
  },
});
