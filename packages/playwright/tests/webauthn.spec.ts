/** navigator.credentials create and get on the fixture's key, through the bridge and in the page. */
import { expect, test } from './support/site.js';

for (const source of ['bridge', 'in-page'] as const) {
  test.describe(`source ${source}`, () => {
    test.describe('presence auto', () => {
      test.use({ hkey: { source } });

      test('a page registers a credential and signs in with it', async ({ site, key }) => {
        await site.open('webauthn');
        expect(await site.go()).toBe('public-key same credential UP');
        await key.waitForEvent({ type: 'command', command: 'fido.MakeCredential' });
        await key.waitForEvent({ type: 'command', command: 'fido.GetAssertion' });
      });
    });

    test.describe('across navigations', () => {
      test.use({ hkey: { source } });

      test('a credential registered on one page signs in on the next', async ({ site, page }) => {
        await site.open('webauthn', { op: 'create' });
        expect(await site.go()).toBe('registered');
        await page.goto('about:blank');
        await site.open('webauthn', { op: 'get' });
        expect(await site.go()).toBe('public-key same credential UP');
      });
    });

    test.describe('presence button', () => {
      test.use({ hkey: { source, presence: 'button' } });

      test('each ceremony waits for key.press()', async ({ site, key, page }) => {
        await site.open('webauthn');
        await page.click('#go');
        await key.press();
        await key.press();
        await expect(page.locator('#result')).toHaveText('public-key same credential UP');
      });

      test('key.deny() makes the page get NotAllowedError', async ({ site, key, page }) => {
        await site.open('webauthn');
        await page.click('#go');
        await key.deny();
        await expect(page.locator('#result')).toHaveText(/^error: NotAllowedError: /);
      });
    });

    test.describe('with a PIN', () => {
      test.use({ hkey: { source, pin: '2468' } });

      test('user verification uses the fixture PIN', async ({ site }) => {
        await site.open('webauthn', { uv: 'required', resident: '1' });
        expect(await site.go()).toBe('public-key same credential UP+UV');
      });
    });
  });
}
