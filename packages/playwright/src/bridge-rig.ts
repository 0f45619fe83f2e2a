/**
 * The default source: a simulator, its control API and a bridge server in the test's worker, each on a free
 * loopback port, all stopped when the test ends. The bridge serves the simulator's keys (HID and both GATT
 * services) and admits the test's page origins only with its launch token, which the init script carries.
 */
import type { BrowserContext } from '@playwright/test';
import { type BridgeServer, DEFAULT_ALLOWED_ORIGINS, InProcessSource, connectGattEndpoint, startBridgeServer } from '@hkey/bridge';
import { BleEndpoint, connectInProcess } from '@hkey/firmware-sim';
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import { setFidoPin } from './accounts.js';
import { BridgeKey } from './bridge-key.js';
import type { InitConfig } from './browser/config.js';
import { ControlApi } from './control-api.js';
import type { ResolvedOptions } from './options.js';
import type { Rig } from './rig.js';

const LOCAL_NETWORK_ACCESS_BROWSERS = ['chromium', 'firefox'];
/** A control point length one ATT write can carry whole, as Web Bluetooth hosts assume. */
const CONTROL_POINT_LENGTH = 244;

export async function startBridgeRig(options: ResolvedOptions): Promise<Rig> {
  const simulator = await Simulator.start({ devices: options.keys, udpPort: 0, blePort: 0, clockSeconds: options.clockSeconds });
  let control: ControlServer | undefined;
  let bridge: BridgeServer | undefined;
  try {
    if (options.pin !== undefined) for (const device of simulator.devices) await setFidoPin(device.key, options.pin);
    for (const device of simulator.devices) device.setPresencePolicy(options.presence === 'button' ? 'button' : 'auto-approve');
    control = await startControlServer(simulator, { port: 0 });
    const source = new InProcessSource();
    for (const device of simulator.devices) {
      const ble = new BleEndpoint(device.key, { controlPointLength: CONTROL_POINT_LENGTH });
      source.add({
        id: device.key.serial,
        name: 'Hideez Key (virtual)',
        serial: device.key.serial,
        connectHid: () => connectInProcess(device.key),
        connectGatt: () => connectGattEndpoint(ble),
      });
    }
    bridge = await startBridgeServer({
      sources: [source],
      port: 0,
      allowedOrigins: [...DEFAULT_ALLOWED_ORIGINS, ...options.origins],
      requireTokenForBrowsers: true,
      onWarning: () => undefined,
    });
  } catch (error) {
    await Promise.all([control?.close(), bridge?.close(), simulator.close()]);
    throw error;
  }
  const api = new ControlApi(control.url, control.token);
  const config: InitConfig['source'] = { kind: 'bridge', url: bridge.url, token: bridge.token };
  const servers = { bridge, control };
  return {
    keys: simulator.devices.map((device) => new BridgeKey(device, api)),
    source: config,
    endpoints: {
      bridge: { url: bridge.url, token: bridge.token },
      control: { url: control.url, token: control.token },
      udp: simulator.devices.map((device) => `udp://${device.udp.host}:${device.udp.port}`),
      ports: [bridge.port, control.port, ...simulator.devices.map((device) => device.udp.port), ...(simulator.bleLink ? [simulator.bleLink.port] : [])],
    },
    async attach(context: BrowserContext) {
      // Chromium and Firefox keep public pages (a staging site, or a page served by a route) from loopback unless
      // granted Local Network Access; the bridge still checks each page's origin and token itself.
      if (LOCAL_NETWORK_ACCESS_BROWSERS.includes(context.browser()?.browserType().name() ?? '')) await context.grantPermissions(['local-network-access']);
    },
    async close() {
      await Promise.all([servers.bridge.close(), servers.control.close()]);
      await simulator.close();
    },
  };
}
