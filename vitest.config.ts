import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * Long soak and load runs (SIGKILL loops, fuzz budgets, 30 s of load): the `load` project, which `npm run test:load`
 * runs one file at a time (CI runs it too); `npm test` runs the `unit` project, everything else. Without --project
 * (e.g. `npx vitest run test/reliability/fuzz.test.ts`) both are there.
 */
const LOAD_TESTS = [
  'test/load.test.ts',
  'test/reliability/crash-kill.test.ts',
  'test/reliability/sealed-crash-kill.test.ts',
  'test/reliability/fuzz.test.ts',
  'test/reliability/sealed-fuzz.test.ts',
];

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
    testTimeout: 20000,
    pool: 'forks',
    // Most test files wait on keys, processes and sockets rather than compute: on 2 cores vitest's default (one
    // worker per core less one) would run them one at a time.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'protocol/test/**/*.test.ts',
            'firmware-sim/test/**/*.test.ts',
            'bridge/test/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['test/browser/**', '**/node_modules/**', ...LOAD_TESTS],
        },
      },
      { extends: true, test: { name: 'load', include: LOAD_TESTS } },
    ],
  },
});
