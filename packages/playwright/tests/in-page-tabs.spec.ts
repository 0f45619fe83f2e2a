/** In-page keys in two tabs share one state: neither misses nor undoes what the other did. */
// The site fixture serves the pages (routes on the context); each test opens its tabs itself.
import { expect, result, test } from './support/site.js';

test.use({ hkey: { source: 'in-page' } });

test('a credential registered in one tab signs in from a tab opened before, and stays', async ({ site: _site, context, page, baseURL }) => {
  const earlier = await context.newPage();
  await earlier.goto(`${baseURL}/webauthn.html?op=get`);
  await page.goto(`${baseURL}/webauthn.html?op=create`);
  await page.click('#go');
  expect(await result(page)).toBe('registered');
  // The earlier tab's key loaded its state before the credential existed.
  await earlier.click('#go');
  expect(await result(earlier)).toBe('public-key same credential UP');
  // Its save (the signature counter) kept the credential: the first tab signs in with it too.
  await page.goto(`${baseURL}/webauthn.html?op=get`);
  await page.click('#go');
  expect(await result(page)).toBe('public-key same credential UP');
});

test('a save made on an old version is refused and changes nothing', async ({ site: _site, page, baseURL }) => {
  await page.goto(`${baseURL}/webauthn.html?op=create`);
  await page.click('#go');
  expect(await result(page)).toBe('registered');
  const answers = await page.evaluate(async () => {
    const call = (name: string, ...args: unknown[]): Promise<unknown> =>
      ((globalThis as Record<string, unknown>)[name] as (...rest: unknown[]) => Promise<unknown>)(...args);
    const before = (await call('__hkeyLoadState', 'HK-SIM-000001')) as { state: unknown; version: number };
    const stale = await call('__hkeySaveState', 'HK-SIM-000001', {}, before.version - 1);
    const after = (await call('__hkeyLoadState', 'HK-SIM-000001')) as { state: unknown; version: number };
    return { stale, unchanged: JSON.stringify(after) === JSON.stringify(before) };
  });
  expect(answers).toEqual({ stale: null, unchanged: true });
  await page.goto(`${baseURL}/webauthn.html?op=get`);
  await page.click('#go');
  expect(await result(page)).toBe('public-key same credential UP');
});
