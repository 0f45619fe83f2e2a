/**
 * Real Chromium for the browser tests: Debian's chromium driven by playwright-core (no browser download), test
 * pages bundled from source with esbuild and served from 127.0.0.1, and the shim installer injected before the
 * pages' own scripts.
 */
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.HKEY_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface ShimConfig {
  readonly source: 'bridge' | 'in-page';
  readonly bridge?: string;
  readonly prompt: 'grant' | 'deny' | 'dialog';
  readonly secret?: string;
  /** navigator.credentials: the FIDO PIN its prompt answers with; absent, the prompt is cancelled. */
  readonly webauthn?: { readonly pin?: string };
}

const bundles = new Map<string, Promise<string>>();

/** test/browser/pages/NAME.ts as one script, with the browser entries of the packages. */
function bundle(name: string): Promise<string> {
  let built = bundles.get(name);
  if (built === undefined) {
    built = build({
      entryPoints: [join(root, 'test/browser/pages', `${name}.ts`)],
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      logLevel: 'silent',
      alias: { '@hkey/protocol': join(root, 'protocol/src/index.browser.ts'), '@hkey/firmware-sim': join(root, 'firmware-sim/src/index.ts') },
    }).then((result) => result.outputFiles[0]?.text ?? '');
    bundles.set(name, built);
  }
  return built;
}

export interface PageServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** http://localhost:PORT: the same server under a name, which WebAuthn needs (an IP address is no RP ID). */
  readonly localhostUrl: string;
  close(): Promise<void>;
}

/** Serves /NAME.html (a Go button and a result line) and /NAME.js (the bundled page). */
export async function startPageServer(): Promise<PageServer> {
  const server = createServer((request, response) => {
    const match = /^\/([a-z-]+)\.(html|js)(\?.*)?$/.exec(request.url ?? '');
    if (match === null) return void response.writeHead(404).end();
    const [, name, type] = match as unknown as [string, string, string];
    if (type === 'html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void response.end(
        `<!doctype html><meta charset="utf-8"><title>${name}</title><button id="go">Go</button><pre id="result"></pre><script src="/${name}.js"></script>`,
      );
    }
    bundle(name).then(
      (code) => response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(code),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    localhostUrl: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Browser {
  readonly context: BrowserContext;
  /** A tab, with the shims installed before its scripts when `shim` is given. */
  newPage(shim?: ShimConfig): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile of its own. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set HKEY_CHROMIUM).`);
  const profile = await mkdtemp(join(tmpdir(), 'hkey-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    context,
    async newPage(shim) {
      const page = await context.newPage();
      if (shim !== undefined) await page.addInitScript({ content: `window.__HKEY_SHIM__ = ${JSON.stringify(shim)};\n${await bundle('install-shims')}` });
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a page, waits for the shims, clicks Go (a real user gesture) and returns what the page printed. */
export async function clickGo(page: Page, url: string, choose?: (page: Page) => Promise<void>): Promise<string> {
  await page.goto(url);
  await page.waitForFunction(() => {
    const shimmed = window as { __HKEY_SHIM__?: unknown; __hkeyShimReady?: boolean };
    return shimmed.__HKEY_SHIM__ === undefined || shimmed.__hkeyShimReady === true;
  });
  await page.click('#go');
  await choose?.(page);
  return result(page);
}

export async function result(page: Page): Promise<string> {
  await page.waitForSelector('#result[data-done]', { timeout: 30_000 });
  return (await page.textContent('#result')) ?? '';
}
