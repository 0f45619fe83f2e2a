import { defineConfig } from '@playwright/test';

// The fixture's own tests, in Debian's Chromium (no browser download). Pages are served by routes at baseURL.
export default defineConfig({
  testDir: './tests',
  testMatch: '**/*.spec.ts',
  // Tests run against the packages' sources (tsconfig paths), never a stale dist.
  tsconfig: './tsconfig.json',
  workers: 2,
  fullyParallel: true,
  forbidOnly: true,
  timeout: 60_000,
  // CI sums the JUnit report into its one summary line (scripts/ci-summary.mjs).
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: '../../test-results/playwright.xml' }]] : [['list']],
  outputDir: '../../test-results/playwright',
  use: {
    baseURL: 'http://localhost:4173',
    launchOptions: {
      executablePath: process.env.HKEY_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
