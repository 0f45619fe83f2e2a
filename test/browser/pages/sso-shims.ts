/**
 * The init script of the SSO end-to-end test (test/browser/sso.test.ts): navigator.credentials over the bridge
 * server, or over a virtual key living in the page whose flash is kept by the test process (Playwright bindings),
 * so that it survives the navigations of an enrollment or a login. The PIN prompt answers from a queue the test
 * fills (empty: cancelled) and records every request it gets.
 */
import {
  type DeviceSource,
  InPageDeviceSource,
  type PinRequest,
  bridgeDeviceSource,
  connectGattEndpoint,
  installWebAuthn,
} from '../../../bridge/src/index.browser.js';
import { BleEndpoint, type DeviceState, type StateStore, VirtualKey, connectInProcess, stateFromJson, stateToJson } from '@hkey/firmware-sim';
import { SSO_BINDINGS, type SsoShimConfig } from './sso-config.js';

declare global {
  interface Window {
    __SSO_SHIM__?: SsoShimConfig;
    __hkeyShimReady?: boolean;
    __ssoPins?: string[];
    __ssoPinRequests?: PinRequest[];
  }
}

function callTestProcess(name: string, ...args: unknown[]): Promise<unknown> {
  return ((window as unknown as Record<string, (...values: unknown[]) => Promise<unknown>>)[name] as (...values: unknown[]) => Promise<unknown>)(...args);
}

/** The key's flash, kept by the test process. */
class TestProcessStore implements StateStore {
  constructor(private readonly serial: string) {}

  async load(): Promise<DeviceState | undefined> {
    const json = await callTestProcess(SSO_BINDINGS.load, this.serial);
    return json === null || json === undefined ? undefined : stateFromJson(json);
  }

  async save(state: DeviceState): Promise<void> {
    await callTestProcess(SSO_BINDINGS.save, this.serial, stateToJson(state));
  }
}

async function plugInPageKey(source: InPageDeviceSource, serial: string): Promise<void> {
  const key = await VirtualKey.start({ identity: { serial }, store: new TestProcessStore(serial), fido: { transports: ['usb', 'ble'] } });
  const ble = new BleEndpoint(key, { controlPointLength: 244 });
  source.add({ id: serial, name: 'Hideez Key (in page)', serial, connectHid: () => connectInProcess(key), connectGatt: () => connectGattEndpoint(ble) });
}

const config = window.__SSO_SHIM__;
if (config !== undefined) {
  window.__ssoPins = [...config.pins];
  window.__ssoPinRequests = [];
  const inPage = config.source === 'in-page' ? new InPageDeviceSource() : undefined;
  const source: DeviceSource = inPage ?? bridgeDeviceSource({ url: config.bridge });
  installWebAuthn({
    source,
    pin: async (request) => {
      window.__ssoPinRequests?.push(request);
      return window.__ssoPins?.shift();
    },
    timeouts: config.minTimeoutMs === undefined ? undefined : { minMs: config.minTimeoutMs },
  });
  if (inPage === undefined) window.__hkeyShimReady = true;
  else void plugInPageKey(inPage, config.serial ?? 'HK-PAGE-000001').then(() => (window.__hkeyShimReady = true));
}
