/**
 * Puts the shims (navigator.hid, navigator.bluetooth, navigator.credentials) on navigator, before any page script
 * runs, over whichever source the fixture chose.
 */
import { type DeviceSource, installWebAuthn, installWebBluetooth, installWebHid } from '@hkey/bridge/browser';
import type { InitConfig } from './config.js';

/** CONFIG_VARIABLE: a const of the init script's wrapper function (the bundle refers to it as a free name). */
declare const __hkeyPlaywrightConfig: InitConfig | undefined;

/** The fixture's config, or undefined when the bundle runs without the fixture's wrapper. */
export function readConfig(): InitConfig | undefined {
  return typeof __hkeyPlaywrightConfig === 'undefined' ? undefined : __hkeyPlaywrightConfig;
}

export function installShims(config: InitConfig, source: DeviceSource): void {
  // Grants last as long as the document, as a fresh browser profile would have it for each test.
  const permissions = { source, prompt: config.prompt, remember: 'session', requireUserActivation: config.requireUserActivation } as const;
  installWebHid(permissions);
  installWebBluetooth(permissions);
  // The fixture's PIN, typed once per ceremony: a wrong one is not retried, so a test never blocks its key.
  installWebAuthn({ source, pin: async (request) => (request.retry ? undefined : config.pin) });
}
