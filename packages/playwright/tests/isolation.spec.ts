/** Page scripts and third-party frames get neither the fixture's config (token, PIN) nor the in-page keys' state. */
import type { Frame, Page } from '@playwright/test';
import { expect, test } from './support/site.js';

const OTHER_ORIGIN = 'https://elsewhere.test';

async function thirdPartyFrame(page: Page): Promise<Frame> {
  await page.evaluate(
    (src) =>
      new Promise<void>((resolve) => {
        const frame = document.createElement('iframe');
        frame.onload = () => resolve();
        frame.src = src;
        document.body.append(frame);
      }),
    `${OTHER_ORIGIN}/webauthn.html`,
  );
  const frame = page.frames().find((candidate) => candidate.url().startsWith(OTHER_ORIGIN));
  if (frame === undefined) throw new Error('the third-party frame did not load');
  return frame;
}

/** Names of the frame's globals whose value shows `secret`, and whether the config variable is reachable. */
function exposure(frame: Frame, secret: string): Promise<{ globals: string[]; config: boolean }> {
  return frame.evaluate((text) => {
    const global = globalThis as Record<string, unknown>;
    const globals = Object.getOwnPropertyNames(globalThis).filter((name) => {
      try {
        const value = global[name];
        return (typeof value === 'string' || (typeof value === 'object' && value !== null)) && JSON.stringify(value).includes(text);
      } catch {
        return false;
      }
    });
    return { globals, config: '__hkeyPlaywrightConfig' in globalThis };
  }, secret);
}

test.describe('bridge source with a PIN', () => {
  test.use({ hkey: { pin: '97531864' } });

  test('no global of the page or of a third-party frame holds the token or the PIN', async ({ site, page, hkeyEndpoints }) => {
    await site.open('webauthn');
    const other = await thirdPartyFrame(page);
    for (const frame of [page.mainFrame(), other]) {
      for (const secret of [hkeyEndpoints.bridge?.token ?? 'no token', '97531864'])
        expect(await exposure(frame, secret)).toEqual({ globals: [], config: false });
    }
    // The shims still have both: a ceremony needing the PIN goes through the bridge.
    expect(await site.go()).toBe('public-key same credential UP');
  });
});

test.describe('in-page source', () => {
  test.use({ hkey: { source: 'in-page' } });

  test("a third-party frame can neither read nor overwrite the keys' state", async ({ site, page }) => {
    await site.open('webauthn');
    const other = await thirdPartyFrame(page);
    const call = (frame: Frame, name: string, ...args: unknown[]): Promise<string> =>
      frame.evaluate(
        ([binding, values]) =>
          ((globalThis as Record<string, unknown>)[binding as string] as (...rest: unknown[]) => Promise<unknown>)(...(values as unknown[])).then(
            (value) => `answered ${JSON.stringify(value)?.slice(0, 20)}`,
            (error: unknown) => `refused: ${String(error)}`,
          ),
        [name, args] as const,
      );
    expect(await call(other, '__hkeyLoadState', 'HK-SIM-000001')).toMatch(/^refused: .*origin the test did not allow/);
    expect(await call(other, '__hkeySaveState', 'HK-SIM-000001', {}, 1)).toMatch(/^refused: /);
    expect(await call(other, '__hkeyKeyEvent', 'HK-SIM-000001', { type: 'command' })).toMatch(/^refused: /);
    // The page's own keys still work, on the state nobody overwrote.
    expect(await call(page.mainFrame(), '__hkeyLoadState', 'HK-SIM-000001')).toMatch(/^answered \{"state":/);
    expect(await site.go()).toBe('public-key same credential UP');
  });
});
