import { defineConfig } from 'vitest/config';
import base, { LOAD_TESTS } from './vitest.config.js';

// `npm run test:load`: the long soak and load tests, one file at a time, since each of them keeps the cores busy.
export default defineConfig({
  ...base,
  test: { ...base.test, include: LOAD_TESTS, exclude: ['**/node_modules/**'], maxWorkers: 1 },
});
