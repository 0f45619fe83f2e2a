/**
 * Unmodified WebHID and Web Bluetooth pages in real Chromium reach a simulated key through the shims and the
 * bridge server; the codes they print are checked against the protocol's TOTP here in Node.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Button } from '@hkey/firmware-sim';
import { type ServerRig, serverRig } from '../../bridge/test/bridge-server-rig.js';
import { untilWaiting } from '../../bridge/test/rig.js';
import { type Browser, type PageServer, clickGo, launchChromium, result, startPageServer } from './harness.js';
import { expectCurrentCode } from './otp.js';

let pages: PageServer;
let browser: Browser;
let rig: ServerRig;

beforeAll(async () => {
  pages = await startPageServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
});
beforeEach(async () => {
  rig = await serverRig();
});
afterEach(async () => {
  for (const page of browser.context.pages()) await page.close();
  await rig.close();
});

const viaBridge = (prompt: 'grant' | 'deny' | 'dialog' = 'grant') => ({ source: 'bridge' as const, bridge: rig.server.url, prompt });

describe('through the bridge server', () => {
  test('an unmodified WebHID page gets an OTP, the key picked in the chooser dialog', async () => {
    const page = await browser.newPage(viaBridge('dialog'));
    const printed = await clickGo(page, `${pages.url}/webhid-otp.html?account=${rig.accountId}`, async (tab) => {
      await tab.click('dialog[data-hkey-chooser=hid] [data-hkey-device=virtual-1]');
      await tab.click('dialog[data-hkey-chooser=hid] [data-hkey-action=connect]');
    });
    expectCurrentCode(printed);
  });

  test('an unmodified Web Bluetooth page gets an OTP', async () => {
    const page = await browser.newPage(viaBridge());
    expectCurrentCode(await clickGo(page, `${pages.url}/webbluetooth-otp.html?account=${rig.accountId}`));
  });

  test("the bridge's WebHID, Web Bluetooth and WebSocket transports run KeyClient in the page", async () => {
    for (const via of ['webhid', 'webbluetooth', 'ws']) {
      const page = await browser.newPage(viaBridge());
      expectCurrentCode(
        await clickGo(page, `${pages.url}/transport-otp.html?via=${via}&account=${rig.accountId}&bridge=${encodeURIComponent(rig.server.url)}`),
      );
      await page.close();
    }
  });

  test('a cancelled chooser: WebHID finds no device, Web Bluetooth rejects with NotFoundError', async () => {
    const hidPage = await browser.newPage(viaBridge('dialog'));
    const printed = await clickGo(hidPage, `${pages.url}/webhid-otp.html`, (tab) => tab.click('dialog[data-hkey-chooser=hid] [data-hkey-action=cancel]'));
    expect(printed).toBe('no device chosen');
    const blePage = await browser.newPage(viaBridge('deny'));
    expect(await clickGo(blePage, `${pages.url}/webbluetooth-otp.html`)).toContain('NotFoundError');
  });

  test('requestDevice without a user gesture is a SecurityError, as in Chrome', async () => {
    for (const name of ['webhid-otp', 'webbluetooth-otp']) {
      const page = await browser.newPage(viaBridge());
      await page.goto(`${pages.url}/${name}.html?trigger=load`);
      expect(await result(page)).toBe('error: SecurityError: Must be handling a user gesture to show a permission request.');
      await page.close();
    }
  });

  test('a key unplugged mid-exchange: the page learns DISCONNECTED instead of hanging', async () => {
    const button = new Button();
    rig.keys[0]!.presence = button;
    for (const via of ['webhid', 'webbluetooth']) {
      const page = await browser.newPage(viaBridge());
      await page.goto(`${pages.url}/transport-otp.html?via=${via}&op=password&account=${rig.accountId}`);
      await page.click('#go');
      await untilWaiting(button);
      rig.unplug(0);
      expect(await result(page)).toMatch(/DISCONNECTED/);
      await page.close();
    }
  });

  test('two tabs race for one key: one gets the code, the other DEVICE_BUSY naming the holder', async () => {
    const tabs = [await browser.newPage(viaBridge()), await browser.newPage(viaBridge())];
    const url = `${pages.url}/webhid-otp.html?account=${rig.accountId}`;
    await Promise.all(tabs.map((tab) => tab.goto(url)));
    await Promise.all(tabs.map((tab) => tab.click('#go')));
    const printed = await Promise.all(tabs.map(result));
    const winners = printed.filter((text) => text.startsWith('code: '));
    const losers = printed.filter((text) => !text.startsWith('code: '));
    expect(winners).toHaveLength(1);
    expectCurrentCode(winners[0]!);
    expect(losers[0]).toMatch(
      new RegExp(
        `NotAllowedError: Failed to open the device\\. The key is in use by ${pages.url.replace(/[.]/g, '\\.')} ` +
          '\\(connection \\d+\\); .*\\[cause DEVICE_BUSY\\]$',
      ),
    );
  });
});
