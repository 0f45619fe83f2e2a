/**
 * @hkey/playwright: virtual Hideez Keys for Playwright tests, behind navigator.hid, navigator.bluetooth and
 * navigator.credentials in every browser Playwright drives (init scripts, no CDP).
 */
export { expect } from '@playwright/test';
export { test, type HkeyFixtures } from './fixture.js';
export type { HkeyOptions } from './options.js';
export type { ChooserPolicy } from './browser/config.js';
export type { AccountSpec, AddedAccount, EventFilter, KeyEvent, VirtualKeyHandle, WaitOptions } from './key-handle.js';
export type { HkeyEndpoints } from './rig.js';
export { HkeyFixtureError } from './errors.js';
