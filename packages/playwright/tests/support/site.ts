/**
 * The fixture's tests: pages served by routes at baseURL (no server to stop), each page one of ./pages bundled from
 * source with esbuild, and TOTP checks against the protocol's own implementation.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from '@playwright/test';
import { decodeBase32, totp } from '@hkey/protocol';
import { expect, test as hkeyTest } from '../../src/index.js';

export { expect };

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const PAGE_PATH = /^\/([a-z-]+)\.(html|js)$/;
const bundles = new Map<string, Promise<string>>();

function bundle(name: string): Promise<string> {
  let built = bundles.get(name);
  if (built === undefined) {
    built = build({
      entryPoints: [here(`../pages/${name}.ts`)],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      alias: { '@hkey/protocol': here('../../../../protocol/src/index.browser.ts') },
    }).then((result) => result.outputFiles[0]?.text ?? '');
    bundles.set(name, built);
  }
  return built;
}

const script = (name: string): string => `<script src="/${name}.js"></script>`;

export interface Site {
  /** Opens /NAME.html with the query, at baseURL unless another origin is given. */
  open(name: string, query?: Record<string, string | number>, origin?: string): Promise<void>;
  /** Clicks Go and returns what the page printed. */
  go(): Promise<string>;
}

export async function result(page: Page): Promise<string> {
  await page.waitForSelector('#result[data-done]', { timeout: 30_000 });
  return (await page.textContent('#result')) ?? '';
}

export const test = hkeyTest.extend<{ site: Site }>({
  site: async ({ context, page, baseURL }, use) => {
    if (baseURL === undefined) throw new Error('The fixture tests need a baseURL.');
    // Any origin serves the pages, so that a test can open one where the bridge does not expect it.
    await context.route(
      (url) => PAGE_PATH.test(url.pathname),
      async (route) => {
        const [, name, type] = PAGE_PATH.exec(new URL(route.request().url()).pathname) as unknown as [string, string, string];
        if (type === 'js') return route.fulfill({ contentType: 'text/javascript', body: await bundle(name) });
        return route.fulfill({
          contentType: 'text/html; charset=utf-8',
          body: `<!doctype html><meta charset="utf-8"><title>${name}</title><button id="go">Go</button><pre id="result"></pre>${script(name)}`,
        });
      },
    );
    await use({
      open: async (name, query = {}, origin = baseURL) => {
        const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
        await page.goto(`${origin}/${name}.html?${search}`);
      },
      go: async () => {
        await page.click('#go');
        return result(page);
      },
    });
  },
});

/** The page printed the current code of `secret` (base32), or the previous one when it read it at a period boundary. */
export function expectCurrentCode(printed: string, secret: string, now = Date.now() / 1000): void {
  const bytes = decodeBase32(secret);
  const seconds = Math.floor(now);
  expect([`code: ${totp(bytes, seconds)}`, `code: ${totp(bytes, seconds - 30)}`]).toContain(printed);
}
