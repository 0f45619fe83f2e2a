/** Bad options get a typed error that quotes nothing secret; the bridge admits the baseURL's origin and hkey.origins. */
import { resolveOptions } from '../src/options.js';
import { expect, expectCurrentCode, test } from './support/site.js';

test('each bad option is BAD_FIXTURE_OPTION with one sentence', () => {
  for (const options of [
    { keys: 0 },
    { keys: 17 },
    { keys: 1.5 },
    { source: 'usb' },
    { presence: 'never' },
    { prompt: 'ask' },
    { clock: -1 },
    { origins: 'x' },
    { links: ['usb'] },
    { links: 'udp' },
  ]) {
    expect(() => resolveOptions(options as never, undefined), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'BAD_FIXTURE_OPTION' }));
  }
});

test('a bad PIN is refused without being quoted', () => {
  for (const pin of ['12', 'x'.repeat(64)]) {
    let message = '';
    try {
      resolveOptions({ pin }, undefined);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^hkey\.pin must be/);
    expect(message).not.toContain(pin);
  }
});

test('the baseURL origin joins the allowed origins', () => {
  expect(resolveOptions({ origins: ['https://app.example'] }, 'https://shop.test:8443/start').origins).toEqual([
    'https://app.example',
    'https://shop.test:8443',
  ]);
});

test.describe('a page beyond localhost', () => {
  test.use({ baseURL: 'https://shop.test:8443' });

  test('reaches the bridge because it is the baseURL', async ({ key, site }) => {
    const account = await key.addAccount({ name: 'GitHub' });
    await site.open('webhid-otp', { account: account.id });
    expectCurrentCode(await site.go(), account.secret);
  });
});

test.describe('a page from an origin nobody allowed', () => {
  test.use({ hkey: { origins: ['https://shop.test:8443'] } });

  test('is refused by the bridge', async ({ key, site }) => {
    const account = await key.addAccount({ name: 'GitHub' });
    await site.open('webhid-otp', { account: account.id }, 'https://elsewhere.test');
    expect(await site.go()).toMatch(/^error: .*Could not connect to the bridge/);
  });
});
