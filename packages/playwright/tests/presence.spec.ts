/** presence 'button': the key waits for the test, which presses, denies or holds through its handle. */
import { HkeyFixtureError } from '../src/index.js';
import { expect, test } from './support/site.js';

for (const source of ['bridge', 'in-page'] as const) {
  test.describe(`source ${source}`, () => {
    test.use({ hkey: { source, presence: 'button' } });

    test('key.press() approves the touch the page is waiting for', async ({ key, site, page }) => {
      const account = await key.addAccount({ name: 'Mail', password: 'correct horse' });
      await site.open('webhid-otp', { op: 'password', account: account.id });
      await page.click('#go');
      await key.press();
      await expect(page.locator('#result')).toHaveText('password received');
      const approved = await key.waitForEvent({ type: 'presence', state: 'approved' });
      expect(approved).toMatchObject({ serial: key.serial, kind: 'press' });
    });

    test('key.deny() declines it', async ({ key, site, page }) => {
      const account = await key.addAccount({ name: 'Mail', password: 'correct horse' });
      await site.open('webhid-otp', { op: 'password', account: account.id });
      await page.click('#go');
      await key.deny();
      await expect(page.locator('#result')).toHaveText('status: USER_PRESENCE_DENIED');
    });

    test('key.press() with no touch asked for fails with BUTTON_NOT_WANTED', async ({ key }) => {
      await expect(key.press({ timeoutMs: 200 })).rejects.toMatchObject({ code: 'BUTTON_NOT_WANTED' });
    });
  });
}

test.describe('presence auto', () => {
  test('key.press() explains that the key approves by itself', async ({ key }) => {
    const failure = await key.press().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HkeyFixtureError);
    expect(failure).toMatchObject({ code: 'PRESENCE_NOT_BUTTON' });
  });
});
