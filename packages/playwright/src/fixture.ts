/**
 * The Playwright fixture: `test.use({ hkey: { keys: 1 } })` gives each test virtual keys behind navigator.hid,
 * navigator.bluetooth and navigator.credentials, and a handle on each key. Everything is per test: the servers
 * (bridge source) start on free loopback ports before the test's context and stop after it.
 */
import { test as base } from '@playwright/test';
import { startBridgeRig } from './bridge-rig.js';
import type { InitConfig } from './browser/config.js';
import { startInPageRig } from './in-page-rig.js';
import { initScript } from './init-script.js';
import type { VirtualKeyHandle } from './key-handle.js';
import { type HkeyOptions, resolveOptions } from './options.js';
import type { HkeyEndpoints, Rig } from './rig.js';

export interface HkeyFixtures {
  /** The fixture's options; see HkeyOptions. */
  hkey: HkeyOptions;
  /** Every virtual key, in serial order. */
  keys: readonly VirtualKeyHandle[];
  /** The first key. */
  key: VirtualKeyHandle;
  /** Where the fixture's servers listen (bridge source). */
  hkeyEndpoints: HkeyEndpoints;
  _hkeyRig: { rig: Rig; config: InitConfig };
}

export const test = base.extend<HkeyFixtures>({
  hkey: [{}, { option: true }],
  _hkeyRig: [
    async ({ hkey, baseURL }, use) => {
      const options = resolveOptions(hkey, baseURL);
      const rig = options.source === 'bridge' ? await startBridgeRig(options) : await startInPageRig(options);
      const config: InitConfig = {
        source: rig.source,
        prompt: options.prompt,
        requireUserActivation: options.requireUserActivation,
        ...(options.pin === undefined ? {} : { pin: options.pin }),
      };
      try {
        await use({ rig, config });
      } finally {
        await rig.close();
      }
    },
    { box: true },
  ],
  context: async ({ context, _hkeyRig }, use) => {
    await _hkeyRig.rig.attach(context);
    await context.addInitScript({ content: await initScript(_hkeyRig.config) });
    await use(context);
  },
  // The keys come with the test's context, so the page is ready for them whichever fixture the test asks for.
  keys: async ({ _hkeyRig, context: _context }, use) => use(_hkeyRig.rig.keys),
  key: async ({ keys }, use) => use(keys[0] as VirtualKeyHandle),
  hkeyEndpoints: async ({ _hkeyRig }, use) => use(_hkeyRig.rig.endpoints),
});
