/**
 * The init script of the in-page source: the virtual keys run in the page itself, nothing leaves the tab but
 * their state, which goes to the test process (Playwright bindings) so that it survives navigations and the
 * test can change it. The button is pressed from the test through CONTROLS_GLOBAL.
 */
import { type DeviceSource, InPageDeviceSource, connectGattEndpoint } from '@hkey/bridge/browser';
import {
  BleEndpoint,
  Button,
  type DeviceState,
  type StateStore,
  VirtualKey,
  autoApprove,
  connectInProcess,
  stateFromJson,
  stateToJson,
} from '@hkey/firmware-sim';
import { BINDINGS, CONTROLS_GLOBAL, type InPageControls } from './config.js';
import { installShims, readConfig } from './install-shims.js';

/** A control point length one ATT write can carry whole, as Web Bluetooth hosts assume. */
const CONTROL_POINT_LENGTH = 244;

function callTestProcess(name: string, ...args: unknown[]): Promise<unknown> {
  const binding = (globalThis as Record<string, unknown>)[name];
  if (typeof binding !== 'function') return Promise.reject(new Error('The @hkey/playwright bindings are missing in this frame.'));
  return (binding as (...values: unknown[]) => Promise<unknown>)(...args);
}

/** The key's flash lives in the test process. */
class TestProcessStore implements StateStore {
  constructor(private readonly serial: string) {}

  async load(): Promise<DeviceState | undefined> {
    const json = await callTestProcess(BINDINGS.loadState, this.serial);
    return json === null || json === undefined ? undefined : stateFromJson(json);
  }

  async save(state: DeviceState): Promise<void> {
    await callTestProcess(BINDINGS.saveState, this.serial, stateToJson(state));
  }
}

/** Events as plain JSON (HOTP counters are bigints). */
function plain(event: object): unknown {
  return JSON.parse(JSON.stringify(event, (_name, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
}

interface LiveKey {
  readonly key: VirtualKey;
  readonly button: Button;
}

/** Waits for the keys before answering, so a page that asks at load time finds them. */
function whenReady(source: InPageDeviceSource, ready: Promise<unknown>): DeviceSource {
  return {
    list: async () => (await ready, source.list()),
    watch: (listener) => source.watch(listener),
    openHid: async (id) => (await ready, source.openHid(id)),
    connectGatt: async (id) => (await ready, source.connectGatt(id)),
  };
}

async function plugKeys(source: InPageDeviceSource, serials: readonly string[], presence: 'auto' | 'button', live: Map<string, LiveKey>): Promise<void> {
  for (const serial of serials) {
    const button = new Button();
    const key = await VirtualKey.start({
      identity: { serial },
      store: new TestProcessStore(serial),
      presence: presence === 'button' ? button : autoApprove,
      fido: { transports: ['usb', 'ble'] },
    });
    key.events.subscribe((event) => void callTestProcess(BINDINGS.event, serial, plain(event)).catch(() => undefined));
    live.set(serial, { key, button });
    const ble = new BleEndpoint(key, { controlPointLength: CONTROL_POINT_LENGTH });
    source.add({ id: serial, name: 'Hideez Key (virtual)', serial, connectHid: () => connectInProcess(key), connectGatt: () => connectGattEndpoint(ble) });
  }
}

function controls(live: Map<string, LiveKey>): InPageControls {
  return {
    press: (serial) => live.get(serial)?.button.press() ?? false,
    deny: (serial) => live.get(serial)?.button.deny() ?? false,
    hold: (serial, ms) => live.get(serial)?.button.hold(ms) ?? false,
    restore: async (serial, state) => live.get(serial)?.key.restore(stateFromJson(state)),
  };
}

const config = readConfig();
if (config?.source.kind === 'in-page') {
  const live = new Map<string, LiveKey>();
  const source = new InPageDeviceSource();
  const ready = plugKeys(source, config.source.serials, config.source.presence, live);
  ready.catch(() => undefined);
  Object.defineProperty(globalThis, CONTROLS_GLOBAL, { value: controls(live), enumerable: false });
  installShims(config, whenReady(source, ready));
}
