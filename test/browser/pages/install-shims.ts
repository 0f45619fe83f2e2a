/**
 * Injected before the page's own scripts (Playwright addInitScript), as a browser extension or a dev-server
 * snippet would: installs navigator.hid, navigator.bluetooth and navigator.credentials backed by the bridge server,
 * or by a virtual key living in the page (no server), per window.__HKEY_SHIM__.
 */
import {
  type DeviceSource,
  InPageDeviceSource,
  KeyClient,
  type PromptPolicy,
  bridgeDeviceSource,
  connectGattEndpoint,
  fromHex,
  installWebBluetooth,
  installWebAuthn,
  installWebHid,
  openVirtualTransport,
} from '../../../bridge/src/index.browser.js';
import { BleEndpoint, VirtualKey, connectInProcess } from '@hkey/firmware-sim';

interface ShimConfig {
  readonly source: 'bridge' | 'in-page';
  readonly bridge?: string;
  readonly prompt: 'grant' | 'deny' | 'dialog';
  /** in-page: the TOTP secret (hex) of the account the virtual key is given. */
  readonly secret?: string;
  /** navigator.credentials: the FIDO PIN the prompt hook answers with; absent, the prompt is cancelled. */
  readonly webauthn?: { readonly pin?: string };
}

declare global {
  interface Window {
    __HKEY_SHIM__?: ShimConfig;
    __hkeyShimReady?: boolean;
  }
}

/** A virtual key with one account (TOTP and a password), plugged into the page's source once provisioned. */
async function plugInPageKey(source: InPageDeviceSource, secret: Uint8Array): Promise<void> {
  // Offered over WebHID and Web Bluetooth, so its GetInfo lists both transports (CTAP 2.1 §6.4).
  const key = await VirtualKey.start({ identity: { serial: 'HK-PAGE-000001' }, fido: { transports: ['usb', 'ble'] } });
  const transport = await openVirtualTransport(connectInProcess(key));
  const client = new KeyClient(transport);
  await client.setTime();
  await client.createAccount({ name: 'GitHub', password: 'hunter2', otp: { secret, kind: 'TOTP' } });
  await transport.close();
  const ble = new BleEndpoint(key, { controlPointLength: 244 });
  source.add({ id: 'page-key', name: 'Hideez Key (in page)', connectHid: () => connectInProcess(key), connectGatt: () => connectGattEndpoint(ble) });
}

const config = window.__HKEY_SHIM__;
if (config !== undefined) {
  // Installed before any page script runs, so a page that reads navigator.hid at load time gets the shim.
  const inPage = config.source === 'in-page' ? new InPageDeviceSource() : undefined;
  const source: DeviceSource = inPage ?? bridgeDeviceSource({ url: config.bridge });
  const prompt: PromptPolicy = config.prompt;
  installWebHid({ source, prompt, remember: 'session' });
  installWebBluetooth({ source, prompt, remember: 'session' });
  const pin = config.webauthn?.pin;
  installWebAuthn({ source, pin: async () => pin });
  if (inPage === undefined) window.__hkeyShimReady = true;
  else void plugInPageKey(inPage, fromHex(config.secret ?? '') ?? new Uint8Array(20)).then(() => (window.__hkeyShimReady = true));
}
