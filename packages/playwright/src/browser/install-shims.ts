/**
 * Puts the shims (navigator.hid, navigator.bluetooth, navigator.credentials) on navigator, before any page script
 * runs, over whichever source the fixture chose.
 */
import { type DeviceSource, installWebAuthn, installWebBluetooth, installWebHid } from '@hkey/bridge/browser';
import { CONFIG_GLOBAL, type InitConfig } from './config.js';

/** The fixture's config, or undefined in a frame the fixture did not set up. */
export function readConfig(): InitConfig | undefined {
  return (globalThis as Record<string, unknown>)[CONFIG_GLOBAL] as InitConfig | undefined;
}

export function installShims(config: InitConfig, source: DeviceSource): void {
  // Grants last as long as the document, as a fresh browser profile would have it for each test.
  const permissions = { source, prompt: config.prompt, remember: 'session', requireUserActivation: config.requireUserActivation } as const;
  installWebHid(permissions);
  installWebBluetooth(permissions);
  // The fixture's PIN, typed once per ceremony: a wrong one is not retried, so a test never blocks its key.
  installWebAuthn({ source, pin: async (request) => (request.retry ? undefined : config.pin) });
}
