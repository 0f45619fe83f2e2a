/** The shims with a virtual key living in the page itself: no bridge server, nothing leaves the tab. */
import { afterAll, beforeAll, test } from 'vitest';
import { toHex } from '@hkey/bridge';
import { SECRET } from '../../bridge/test/rig.js';
import { type Browser, type PageServer, clickGo, launchChromium, startPageServer } from './harness.js';
import { expectCurrentCode } from './otp.js';

let pages: PageServer;
let browser: Browser;

beforeAll(async () => {
  pages = await startPageServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
});

const inPage = { source: 'in-page' as const, prompt: 'grant' as const, secret: toHex(SECRET) };

test.each(['webhid-otp', 'webbluetooth-otp'])('%s gets an OTP from the in-page key', async (name) => {
  const page = await browser.newPage(inPage);
  expectCurrentCode(await clickGo(page, `${pages.url}/${name}.html?account=1`));
  await page.close();
});
