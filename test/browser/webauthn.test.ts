/**
 * An unmodified WebAuthn page in real Chromium registers and signs in through the navigator.credentials shim, with
 * the virtual key in the page and with a simulated key behind the bridge server; @simplewebauthn/server verifies
 * what the page printed. Chromium's own refusal of IP-address origins is kept.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { Page } from 'playwright-core';
import { toHex } from '@hkey/bridge';
import { SECRET } from '../../bridge/test/rig.js';
import { PIN, setFidoPin } from '../../bridge/test/webauthn-rig.js';
import { serverRig } from '../../bridge/test/bridge-server-rig.js';
import { type Browser, type PageServer, type ShimConfig, clickGo, launchChromium, startPageServer } from './harness.js';

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

/** The in-page key is provisioned with an OTP account too (install-shims.ts), from this secret. */
const inPage: ShimConfig = { source: 'in-page', prompt: 'grant', secret: toHex(SECRET) };

const challenge = (label: string, run: string): string => Buffer.from(`${label}-${run}`.padEnd(32, '.')).toString('base64url');

/** Runs the page and verifies its registration and login as a relying party on localhost would. */
async function ceremonies(page: Page, query: string, requireUserVerification: boolean): Promise<Record<string, unknown>> {
  const run = `run${Date.now()}`;
  const printed = await clickGo(page, `${pages.localhostUrl}/webauthn-basic.html?challenge=${run}&${query}`);
  expect(printed).toMatch(/^\{/);
  const result = JSON.parse(printed) as { registration: never; authentication: never; instanceOfPublicKeyCredential: boolean; uvpaa: boolean };
  const expected = { expectedOrigin: pages.localhostUrl, expectedRPID: 'localhost', requireUserVerification };
  const registration = await verifyRegistrationResponse({ response: result.registration, expectedChallenge: challenge('register', run), ...expected });
  expect(registration.verified).toBe(true);
  if (registration.registrationInfo === undefined) throw new Error('the relying party stored no credential');
  const authentication = await verifyAuthenticationResponse({
    response: result.authentication,
    expectedChallenge: challenge('login', run),
    credential: registration.registrationInfo.credential,
    ...expected,
  });
  expect(authentication.verified).toBe(true);
  expect(result.instanceOfPublicKeyCredential).toBe(true);
  expect(result.uvpaa).toBe(false);
  return result;
}

describe('navigator.credentials in Chromium', () => {
  test('through an in-page key: create and get, verified by the relying party', async () => {
    const page = await browser.newPage(inPage);
    const result = await ceremonies(page, 'uv=discouraged', false);
    expect(result.registration).toMatchObject({
      type: 'public-key',
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: { credProps: { rk: false } },
    });
    await page.close();
  });

  test('through the bridge: passwordless with the PIN (discoverable credential, user verification)', async () => {
    const rig = await serverRig();
    try {
      await setFidoPin(rig.keys[0]!);
      const config: ShimConfig = { source: 'bridge', bridge: rig.server.url, prompt: 'grant', webauthn: { pin: PIN } };
      const page = await browser.newPage(config);
      const result = await ceremonies(page, 'uv=required&rk=required', true);
      expect(result.registration).toMatchObject({ clientExtensionResults: { credProps: { rk: true } } });
      expect(result.authentication).toMatchObject({ response: { userHandle: Buffer.from('user-alice').toString('base64url') } });
      await page.close();
    } finally {
      await rig.close();
    }
  });

  test('the PIN prompt cancelled (no PIN configured): NotAllowedError', async () => {
    const rig = await serverRig();
    try {
      await setFidoPin(rig.keys[0]!);
      const page = await browser.newPage({ source: 'bridge', bridge: rig.server.url, prompt: 'grant' });
      expect(await clickGo(page, `${pages.localhostUrl}/webauthn-basic.html?uv=required`)).toMatch(/^error: NotAllowedError: /);
      await page.close();
    } finally {
      await rig.close();
    }
  });

  test('an IP-address origin is refused with SecurityError, as Chromium refuses it', async () => {
    const page = await browser.newPage(inPage);
    expect(await clickGo(page, `${pages.url}/webauthn-basic.html`)).toBe('error: SecurityError: This is an invalid domain.');
    await page.close();
  });
});
