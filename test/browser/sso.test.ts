/**
 * The SSO example (examples/sso) in real Chromium, its pages and @simplewebauthn/browser unmodified, with
 * navigator.credentials shimmed: enrollment and login both ways through the bridge (simulator keys touched through
 * the control API) and through a key in the page; and what goes wrong: deny, timeout, wrong and blocked PIN,
 * the same key twice, a cancelled ceremony, two keys, a key unplugged mid-ceremony, recovery codes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type SsoApp, startSsoApp } from '../../examples/sso/src/app.js';
import { type Browser, launchChromium } from './harness.js';
import type { SsoShimConfig } from './pages/sso-config.js';
import {
  PASSWORD,
  enrollPasswordless,
  enrollWithPassword,
  enterPassword,
  loginPasswordless,
  loginWithPassword,
  newCodesAfterConfirming,
  outcome,
  pinRequests,
  selfApproving,
  signOut,
  signedInAs,
  startEnrollment,
  touching,
} from './sso-flows.js';
import { InPageKeyStates, SimulatedKeys, open, screenshot, shimmedPage } from './sso-rig.js';

const PIN = '482913';

let app: SsoApp;
let browser: Browser;
const inPageStates = new InPageKeyStates();
let accounts = 0;
const newEmail = (): string => `user${++accounts}@example.com`;

beforeAll(async () => {
  app = await startSsoApp({ config: { port: 0 } });
  browser = await launchChromium();
  await inPageStates.attach(browser.context);
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});
afterEach(async () => {
  for (const page of browser.context.pages()) await page.close();
  await browser.context.clearCookies();
});

describe('through the bridge: simulator keys, touched through the control API', () => {
  let keys: SimulatedKeys;
  const viaBridge = (pins: string[] = [PIN], extra: Partial<SsoShimConfig> = {}): SsoShimConfig => ({
    source: 'bridge',
    bridge: keys.bridge.url,
    pins,
    ...extra,
  });

  beforeEach(async () => {
    keys = await SimulatedKeys.start(2);
    await keys.setPin(0, PIN);
    await keys.setPin(1, PIN);
  });
  afterEach(async () => {
    await keys.close();
  });

  test('password and security key: enroll, sign out, sign in with both factors', async () => {
    const page = await shimmedPage(browser.context, viaBridge([]));
    const email = newEmail();
    const codes = await enrollWithPassword(page, app, email, touching(keys, 0));
    expect(codes).toHaveLength(10);
    expect(await signedInAs(page)).toBe(email);
    expect(await page.$$('#keys tbody tr')).toHaveLength(1);
    await screenshot(page, 'account');
    await signOut(page);
    await loginWithPassword(page, app, email, touching(keys, 0));
    expect(await signedInAs(page)).toBe(email);
    // A second factor never asks for the PIN.
    expect(await pinRequests(page)).toEqual([]);
  });

  test('passwordless: enroll with the key and its PIN, sign in without a user name', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    const email = newEmail();
    expect(await enrollPasswordless(page, app, email, touching(keys, 1))).toHaveLength(10);
    expect(await page.textContent('#keys tbody')).toContain('passwordless (PIN)');
    await signOut(page);
    await loginPasswordless(page, app, touching(keys, 1));
    expect(await signedInAs(page)).toBe(email);
  });

  test('the user declines on the key: NotAllowedError on the page, and a second try works', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    const email = newEmail();
    await enrollWithPassword(page, app, email, touching(keys, 0));
    await signOut(page);
    await enterPassword(page, app, email);
    await page.click('#use-key');
    await keys.when(0, 'deny');
    const denied = await outcome(page);
    expect(denied.error).toBe('NotAllowedError');
    await screenshot(page, 'error');
    await touching(keys, 0).during(() => Promise.all([page.waitForURL((url) => url.pathname === '/account'), page.click('#use-key')]));
    expect(await signedInAs(page)).toBe(email);
  });

  test('nobody touches the key: the ceremony times out with NotAllowedError', async () => {
    const hurried = await startSsoApp({ config: { port: 0, ceremonyTimeoutMs: 1500 } });
    try {
      const page = await shimmedPage(browser.context, viaBridge([], { minTimeoutMs: 1000 }));
      await startEnrollment(page, hurried, newEmail(), 'password');
      await page.fill('#password', PASSWORD);
      await page.fill('#password-again', PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname === '/enroll/security-key'), page.click('#set-password')]);
      const started = Date.now();
      await page.click('#register-key');
      const result = await outcome(page);
      expect(result.error).toBe('NotAllowedError');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await hurried.close();
    }
  });

  test('a wrong PIN, then the right one: the prompt asks again, with one retry less', async () => {
    const page = await shimmedPage(browser.context, viaBridge(['135790', PIN]));
    await startEnrollment(page, app, newEmail(), 'passwordless');
    const result = await touching(keys, 0).during(async () => {
      await page.click('#register-key');
      return outcome(page);
    });
    expect(result.state).toBe('done');
    expect(await pinRequests(page)).toEqual([
      { rpId: 'localhost', retries: 8, reason: 'verify', retry: false },
      { rpId: 'localhost', retries: 7, reason: 'verify', retry: true },
    ]);
    await Promise.all([page.waitForURL((url) => url.pathname === '/account'), page.click('#continue')]);
    await signOut(page);
    await loginPasswordless(page, app, touching(keys, 0));
  });

  test('a blocked PIN: NotAllowedError, and no PIN is asked for', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    await keys.blockPin(0);
    await startEnrollment(page, app, newEmail(), 'passwordless');
    const result = await touching(keys, 0).during(async () => {
      await page.click('#register-key');
      return outcome(page);
    });
    expect(result.error).toBe('NotAllowedError');
    expect(await pinRequests(page)).toEqual([]);
  });

  test('the same key twice: InvalidStateError', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    await enrollWithPassword(page, app, newEmail(), touching(keys, 0));
    const result = await touching(keys, 0).during(async () => {
      await page.click('#add-key');
      return outcome(page);
    });
    expect(result.error).toBe('InvalidStateError');
    expect(await page.$$('#keys tbody tr')).toHaveLength(1);
  });

  test('a ceremony cancelled on the page: AbortError', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    await enrollWithPassword(page, app, newEmail(), touching(keys, 0));
    // The Cancel button is there only while a ceremony runs.
    expect(await page.isVisible('#cancel')).toBe(false);
    await page.click('#add-key');
    await waitUntilWaiting(keys, 1);
    expect(await page.isVisible('#cancel')).toBe(true);
    await page.click('#cancel');
    const result = await outcome(page);
    expect(result.error).toBe('AbortError');
    expect(await page.isVisible('#cancel')).toBe(false);
  });

  test('two keys: add the second, sign in with it, remove the first', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    const email = newEmail();
    await enrollWithPassword(page, app, email, touching(keys, 0));
    await touching(keys, 1).during(() => Promise.all([page.waitForURL((url) => url.search === '?done=key-added'), page.click('#add-key')]));
    expect(await page.$$('#keys tbody tr')).toHaveLength(2);
    await signOut(page);
    await loginWithPassword(page, app, email, touching(keys, 1));
    await Promise.all([page.waitForURL((url) => url.search === '?done=key-removed'), page.click('#keys tbody tr:first-child .remove-key')]);
    expect(await page.$$('#keys tbody tr')).toHaveLength(1);
    await page.click('#keys tbody tr:first-child .remove-key');
    expect((await outcome(page)).error).toBe('LAST_KEY');
  });

  test('a key unplugged mid-ceremony drops out; with no key left the page waits, then gets NotAllowedError at the timeout', async () => {
    // A browser waits for a key to be plugged in until the ceremony's timeout: a short one keeps the test short.
    const hurried = await startSsoApp({ config: { port: 0, ceremonyTimeoutMs: 8000 } });
    try {
      const page = await shimmedPage(browser.context, viaBridge([PIN], { minTimeoutMs: 1000 }));
      const email = newEmail();
      await enrollWithPassword(page, hurried, email, touching(keys, 0));
      await touching(keys, 1).during(() => Promise.all([page.waitForURL((url) => url.search === '?done=key-added'), page.click('#add-key')]));
      await signOut(page);
      await enterPassword(page, hurried, email);
      await page.click('#use-key');
      await waitUntilWaiting(keys, 0);
      await keys.unplug(0);
      // The other key still finishes the login.
      await touching(keys, 1).during(() => page.waitForURL((url) => url.pathname === '/account'));
      await signOut(page);
      await enterPassword(page, hurried, email);
      await page.click('#use-key');
      await waitUntilWaiting(keys, 1);
      await keys.unplug(1);
      expect((await outcome(page)).error).toBe('NotAllowedError');
    } finally {
      await hurried.close();
    }
  });

  test('recovery codes: each signs in once, after the password or (passwordless) with the e-mail', async () => {
    const page = await shimmedPage(browser.context, viaBridge());
    const email = newEmail();
    const [first, second] = (await enrollWithPassword(page, app, email, touching(keys, 0))) as [string, string];
    const useCode = async (code: string) => {
      await page.fill('#code', code);
      await page.click('#use-code');
      return outcome(page);
    };
    const toRecoveryPage = async () => {
      await signOut(page);
      await enterPassword(page, app, email);
      await Promise.all([page.waitForURL((url) => url.pathname === '/login/recovery'), page.click('#recovery-link')]);
    };
    await toRecoveryPage();
    await screenshot(page, 'recovery-login');
    expect((await useCode(first)).state).toBe('done');
    expect(await page.textContent('#codes-left')).toBe('9');
    await toRecoveryPage();
    expect((await useCode(first)).error).toBe('BAD_RECOVERY_CODE');
    expect((await useCode(second)).state).toBe('done');
    expect(await page.textContent('#codes-left')).toBe('8');

    await signOut(page);
    const nora = newEmail();
    const noraCodes = await enrollPasswordless(page, app, nora, touching(keys, 1));
    await signOut(page);
    await open(page, `${app.origin}/login/recovery`);
    await page.fill('#email', nora);
    await page.fill('#code', noraCodes[3] as string);
    await Promise.all([page.waitForURL((url) => url.pathname === '/account'), page.click('#use-code')]);
    expect(await signedInAs(page)).toBe(nora);
  });
});

describe('through a key in the page (no bridge)', () => {
  test('both flows enroll and sign in', async () => {
    await inPageStates.seed('HK-PAGE-000001', PIN);
    const config: SsoShimConfig = { source: 'in-page', serial: 'HK-PAGE-000001', pins: [PIN] };
    const page = await shimmedPage(browser.context, config);
    const pat = newEmail();
    await enrollWithPassword(page, app, pat, selfApproving);
    await signOut(page);
    await loginWithPassword(page, app, pat, selfApproving);
    expect(await signedInAs(page)).toBe(pat);
    await signOut(page);

    const nora = newEmail();
    await enrollPasswordless(page, app, nora, selfApproving);
    await signOut(page);
    await loginPasswordless(page, app, selfApproving);
    expect(await signedInAs(page)).toBe(nora);
  });
});

describe('a change to the account after five minutes asks for a fresh proof', () => {
  test('the key again; after a recovery code, the password; other sessions end', async () => {
    let offset = 0;
    const clocked = await startSsoApp({ config: { port: 0 }, now: () => Date.now() + offset });
    try {
      await inPageStates.seed('HK-PAGE-000002', PIN);
      const page = await shimmedPage(browser.context, { source: 'in-page', serial: 'HK-PAGE-000002', pins: [PIN] });
      const email = newEmail();
      const [code] = (await enrollWithPassword(page, clocked, email, selfApproving)) as [string];
      offset += 5 * 60_000 + 1;
      const fresh = await newCodesAfterConfirming(page, () => page.click('#reauth-key'));
      expect(fresh).toHaveLength(10);
      expect(fresh).not.toContain(code);
      // The password form is there only for a session signed in with a recovery code.
      expect(await page.$('#reauth-form')).toBeNull();

      await signOut(page);
      await enterPassword(page, clocked, email);
      await Promise.all([page.waitForURL((url) => url.pathname === '/login/recovery'), page.click('#recovery-link')]);
      await page.fill('#code', fresh[0] as string);
      await Promise.all([page.waitForURL((url) => url.pathname === '/account'), page.click('#use-code')]);
      offset += 5 * 60_000 + 1;
      const again = await newCodesAfterConfirming(page, async () => {
        await page.fill('#reauth-password', PASSWORD);
        await page.click('#reauth-password-submit');
      });
      expect(again).toHaveLength(10);
    } finally {
      await clocked.close();
    }
  });
});

/** Until the simulator's key `index` waits for its button (the page's ceremony has reached it). */
async function waitUntilWaiting(keys: SimulatedKeys, index: number): Promise<void> {
  const button = keys.simulator.devices[index]?.button;
  for (let tries = 0; button?.waiting === undefined; tries++) {
    if (tries > 400) throw new Error(`key ${index} never waited for its button`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
