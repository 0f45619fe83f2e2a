/** Unmodified WebHID and Web Bluetooth pages read an OTP from the fixture's key, through the bridge and in the page. */
import { expectCurrentCode, test } from './support/site.js';

for (const source of ['bridge', 'in-page'] as const) {
  test.describe(`source ${source}`, () => {
    test.use({ hkey: { keys: 1, source } });

    test('a WebHID page reads an OTP', async ({ key, site }) => {
      const account = await key.addAccount({ name: 'GitHub' });
      await site.open('webhid-otp', { account: account.id });
      expectCurrentCode(await site.go(), account.secret);
    });

    test('a Web Bluetooth page reads an OTP', async ({ key, site }) => {
      const account = await key.addAccount({ name: 'GitHub' });
      await site.open('webbluetooth-otp', { account: account.id });
      expectCurrentCode(await site.go(), account.secret);
    });
  });
}
