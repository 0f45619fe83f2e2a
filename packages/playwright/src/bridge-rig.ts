/**
 * The default source: a simulator, its control API and a bridge server in the test's worker, each on a free
 * loopback port, all stopped when the test ends. The bridge serves the simulator's keys (HID and both GATT
 * services) and admits the test's page origins only with its launch token, which the init script carries.
 */
import type { BrowserContext } from '@playwright/test';
import { type BridgeServer, type BridgeServerOptions, DEFAULT_ALLOWED_ORIGINS, InProcessSource, connectGattEndpoint, startBridgeServer } from '@hkey/bridge';
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

/** The bridge server the rig starts; a test of the rig's teardown passes one whose close fails. */
export type StartBridge = (options: BridgeServerOptions) => Promise<BridgeServer>;

/**
 * The simulator with only the endpoints the test asked for. Simulator.start always opens UDP HID and the BLE link,
 * which take no token, so the rest are closed before the keys get a PIN or approve a touch (denied meanwhile).
 */
async function startSimulator(options: ResolvedOptions): Promise<{ simulator: Simulator; close: () => Promise<void> }> {
  const udp = options.links.includes('udp');
  const ble = options.links.includes('ble');
  const simulator = await Simulator.start({ devices: options.keys, udpPort: 0, blePort: 0, clockSeconds: options.clockSeconds, presence: 'auto-deny' });
  const closeBle = async (): Promise<void> => simulator.bleLink?.close();
  if (!ble) await closeBle();
  if (udp) return { simulator, close: () => simulator.close() };
  await Promise.all(simulator.devices.map((device) => device.udp.close()));
  return { simulator, close: closeBle };
}

/** Runs every closer, then rethrows the first failure. */
async function closeAll(closers: readonly (() => Promise<void>)[]): Promise<void> {
  const failure = (await Promise.allSettled(closers.map((close) => close()))).find((result) => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

export async function startBridgeRig(options: ResolvedOptions, startBridge: StartBridge = startBridgeServer): Promise<Rig> {
  const { simulator, close: closeSimulator } = await startSimulator(options);
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
    bridge = await startBridge({
      sources: [source],
      port: 0,
      allowedOrigins: [...DEFAULT_ALLOWED_ORIGINS, ...options.origins],
      requireTokenForBrowsers: true,
      onWarning: () => undefined,
    });
  } catch (error) {
    const servers = [control, bridge].filter((server) => server !== undefined);
    await closeAll([...servers.map((server) => () => server.close()), closeSimulator]).catch(() => undefined);
    throw error;
  }
  const api = new ControlApi(control.url, control.token);
  const config: InitConfig['source'] = { kind: 'bridge', url: bridge.url, token: bridge.token };
  const servers = { bridge, control };
  const udp = options.links.includes('udp') ? simulator.devices.map((device) => device.udp) : [];
  const bleLink = options.links.includes('ble') ? simulator.bleLink : undefined;
  return {
    keys: simulator.devices.map((device) => new BridgeKey(device, api)),
    source: config,
    endpoints: {
      bridge: { url: bridge.url, token: bridge.token },
      control: { url: control.url, token: control.token },
      udp: udp.map((endpoint) => `udp://${endpoint.host}:${endpoint.port}`),
      ports: [bridge.port, control.port, ...udp.map((endpoint) => endpoint.port), ...(bleLink ? [bleLink.port] : [])],
      bleLink: bleLink ? simulator.devices.map((device) => `ble-link://${bleLink.host}:${bleLink.port}/${device.key.serial}`) : [],
    },
    async attach(context: BrowserContext) {
      // Chromium and Firefox keep public pages (a staging site, or a page served by a route) from loopback unless
      // granted Local Network Access; the bridge still checks each page's origin and token itself.
      if (LOCAL_NETWORK_ACCESS_BROWSERS.includes(context.browser()?.browserType().name() ?? '')) await context.grantPermissions(['local-network-access']);
    },
    async close() {
      // A server that fails to stop must not leave the simulator's endpoints open.
      try {
        await closeAll([() => servers.bridge.close(), () => servers.control.close()]);
      } finally {
        await closeSimulator();
      }
    },
  };
}
