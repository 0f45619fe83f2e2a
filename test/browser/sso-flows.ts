/**
 * The SSO example's pages driven as a person would: click, type, touch the key. A Hand is how the key gets
 * touched during a ceremony: the simulator's button through the control API, or nobody (an in-page key that
 * approves by itself).
 */
import type { Page } from 'playwright-core';
import type { SsoApp } from '../../examples/sso/src/app.js';
import type { SimulatedKeys } from './sso-rig.js';
import { open, screenshot } from './sso-rig.js';

export const PASSWORD = 'correct horse battery';

export interface Hand {
  /** Runs `work` while the key is touched whenever it asks. */
  during<T>(work: () => Promise<T>): Promise<T>;
}

export const selfApproving: Hand = { during: (work) => work() };

export function touching(keys: SimulatedKeys, index: number): Hand {
  return {
    async during(work) {
      const finger = keys.touchWhenAsked(index);
      try {
        return await work();
      } finally {
        finger.stop();
      }
    },
  };
}

export interface Outcome {
  readonly state: 'done' | 'error';
  /** The error's name (NotAllowedError, …) or the server's code. */
  readonly error: string | undefined;
  readonly text: string;
}

/** Waits for the status line to report success or an error. */
export async function outcome(page: Page, timeoutMs = 30_000): Promise<Outcome> {
  const status = await page.waitForSelector('#status[data-state=done], #status[data-state=error]', { timeout: timeoutMs });
  return {
    state: (await status.getAttribute('data-state')) as Outcome['state'],
    error: (await status.getAttribute('data-error')) ?? undefined,
    text: (await status.textContent()) ?? '',
  };
}

async function expectDone(page: Page): Promise<void> {
  const result = await outcome(page);
  if (result.state !== 'done') throw new Error(`the page reported ${result.text}`);
}

async function clickAndWaitFor(page: Page, selector: string, path: string): Promise<void> {
  await Promise.all([page.waitForURL((url) => url.pathname === path), page.click(selector)]);
}

/** The shown recovery codes, after the first key is registered. */
async function recoveryCodes(page: Page): Promise<string[]> {
  await page.waitForSelector('#recovery:not([hidden])');
  return page.$$eval('#recovery-codes li', (items) => items.map((item) => item.textContent ?? ''));
}

export async function startEnrollment(page: Page, app: SsoApp, email: string, mode: 'password' | 'passwordless'): Promise<void> {
  await open(page, app.invite(email));
  await screenshot(page, 'invitation');
  await clickAndWaitFor(page, `#choose-${mode}`, mode === 'password' ? '/enroll/password' : '/enroll/passwordless');
}

/** Invitation, password, first key; returns the recovery codes the page shows. */
export async function enrollWithPassword(page: Page, app: SsoApp, email: string, hand: Hand): Promise<string[]> {
  await startEnrollment(page, app, email, 'password');
  await page.fill('#password', PASSWORD);
  await page.fill('#password-again', PASSWORD);
  await screenshot(page, 'set-password');
  await clickAndWaitFor(page, '#set-password', '/enroll/security-key');
  await screenshot(page, 'security-key');
  await hand.during(async () => {
    await page.click('#register-key');
    await expectDone(page);
  });
  const codes = await recoveryCodes(page);
  await screenshot(page, 'recovery-codes');
  await clickAndWaitFor(page, '#continue', '/account');
  return codes;
}

/** Invitation, then the key with its PIN (the shim's prompt answers from its queue); returns the recovery codes. */
export async function enrollPasswordless(page: Page, app: SsoApp, email: string, hand: Hand): Promise<string[]> {
  await startEnrollment(page, app, email, 'passwordless');
  await screenshot(page, 'passwordless');
  await hand.during(async () => {
    await page.click('#register-key');
    await expectDone(page);
  });
  const codes = await recoveryCodes(page);
  await clickAndWaitFor(page, '#continue', '/account');
  return codes;
}

export async function signOut(page: Page): Promise<void> {
  await clickAndWaitFor(page, '#sign-out', '/login');
}

/** The password step; the page then asks for the key. */
export async function enterPassword(page: Page, app: SsoApp, email: string): Promise<void> {
  await open(page, `${app.origin}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await screenshot(page, 'login');
  await clickAndWaitFor(page, '#sign-in', '/login/security-key');
}

export async function loginWithPassword(page: Page, app: SsoApp, email: string, hand: Hand): Promise<void> {
  await enterPassword(page, app, email);
  await screenshot(page, 'second-factor');
  await hand.during(() => clickAndWaitFor(page, '#use-key', '/account'));
}

export async function loginPasswordless(page: Page, app: SsoApp, hand: Hand): Promise<void> {
  await open(page, `${app.origin}/login`);
  await hand.during(() => clickAndWaitFor(page, '#passwordless', '/account'));
}

/**
 * New recovery codes when the sign-in is no longer fresh: the server asks for a confirmation, the page opens its
 * panel, `confirm` gives it (the key, or the password), and the page makes the codes; returns them.
 */
export async function newCodesAfterConfirming(page: Page, confirm: () => Promise<void>): Promise<string[]> {
  await page.click('#new-codes');
  const refused = await outcome(page);
  if (refused.error !== 'REAUTH_REQUIRED') throw new Error(`the page reported ${refused.text}`);
  await page.waitForSelector('#reauth:not([hidden])');
  await confirm();
  await page.waitForSelector('#reauth', { state: 'hidden' });
  await expectDone(page);
  return recoveryCodes(page);
}

/** The e-mail shown on the account page. */
export function signedInAs(page: Page): Promise<string | null> {
  return page.textContent('#email');
}

/** The PIN prompts the shim showed on the current page. */
export function pinRequests(page: Page): Promise<{ retries: number; retry: boolean }[]> {
  return page.evaluate(() => (window as { __ssoPinRequests?: { retries: number; retry: boolean }[] }).__ssoPinRequests ?? []);
}
