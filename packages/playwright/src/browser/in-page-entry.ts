/**
 * The init script of the in-page source: the virtual keys run in the page itself, nothing leaves the tab but
 * their state, which goes to the test process (Playwright bindings) so that it survives navigations and the
 * test can change it. The test process's copy is the authoritative one: each frame takes the newest before every
 * ceremony and saves only on top of the version it has. The button is pressed from the test through CONTROLS_GLOBAL.
 */
import { type DeviceSource, InPageDeviceSource, connectGattEndpoint } from '@hkey/bridge/browser';
import {
  BleEndpoint,
  Button,
  type DeviceState,
  type StateStore,
  StorageWriteError,
  VirtualKey,
  autoApprove,
  connectInProcess,
  stateFromJson,
  stateToJson,
} from '@hkey/firmware-sim';
import { BINDINGS, CONTROLS_GLOBAL, type InPageControls, type VersionedState } from './config.js';
import { installShims, readConfig } from './install-shims.js';

/** A control point length one ATT write can carry whole, as Web Bluetooth hosts assume. */
const CONTROL_POINT_LENGTH = 244;

function callTestProcess(name: string, ...args: unknown[]): Promise<unknown> {
  const binding = (globalThis as Record<string, unknown>)[name];
  if (typeof binding !== 'function') return Promise.reject(new Error('The @hkey/playwright bindings are missing in this frame.'));
  return (binding as (...values: unknown[]) => Promise<unknown>)(...args);
}

/** The key's flash lives in the test process, which numbers its versions. */
class TestProcessStore implements StateStore {
  /** The version of the test process's state this frame's key holds. */
  private version = 0;
  /** While the key takes on the test process's state, its write of that state goes nowhere. */
  private adopting = false;

  constructor(private readonly serial: string) {}

  async load(): Promise<DeviceState | undefined> {
    const loaded = (await callTestProcess(BINDINGS.loadState, this.serial)) as VersionedState | null;
    if (loaded === null) return undefined;
    this.version = loaded.version;
    return stateFromJson(loaded.state);
  }

  async save(state: DeviceState): Promise<void> {
    if (this.adopting) return;
    const version = (await callTestProcess(BINDINGS.saveState, this.serial, stateToJson(state), this.version)) as number | null;
    // Another frame saved first: this change was made on an old state and would undo that frame's. The key keeps
    // its state and answers a storage failure; the next ceremony starts from the newest state.
    if (version === null) throw new StorageWriteError('Another page changed the key first.');
    this.version = version;
  }

  /** Gives `key` the test process's newest state, unless it has it already. */
  async refresh(key: VirtualKey): Promise<void> {
    const newest = (await callTestProcess(BINDINGS.loadState, this.serial)) as VersionedState | null;
    if (newest !== null) await this.adopt(key, newest);
  }

  async adopt(key: VirtualKey, { state, version }: VersionedState): Promise<void> {
    if (version === this.version) return;
    this.adopting = true;
    try {
      await key.restore(stateFromJson(state));
    } finally {
      this.adopting = false;
    }
    this.version = version;
  }
}

/** Events as plain JSON (HOTP counters are bigints). */
function plain(event: object): unknown {
  return JSON.parse(JSON.stringify(event, (_name, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
}

interface LiveKey {
  readonly key: VirtualKey;
  readonly button: Button;
  readonly store: TestProcessStore;
}

/**
 * Waits for the keys before answering, so a page that asks at load time finds them; each connection (a WebAuthn
 * ceremony opens one) starts from the test process's newest state, which another tab may have changed.
 */
function whenReady(source: InPageDeviceSource, ready: Promise<unknown>, live: Map<string, LiveKey>): DeviceSource {
  const refreshed = async (id: string): Promise<void> => {
    await ready;
    const found = live.get(id);
    await found?.store.refresh(found.key);
  };
  return {
    list: async () => (await ready, source.list()),
    watch: (listener) => source.watch(listener),
    openHid: async (id) => (await refreshed(id), source.openHid(id)),
    connectGatt: async (id) => (await refreshed(id), source.connectGatt(id)),
  };
}

async function plugKeys(source: InPageDeviceSource, serials: readonly string[], presence: 'auto' | 'button', live: Map<string, LiveKey>): Promise<void> {
  for (const serial of serials) {
    const button = new Button();
    const store = new TestProcessStore(serial);
    const key = await VirtualKey.start({
      identity: { serial },
      store,
      presence: presence === 'button' ? button : autoApprove,
      fido: { transports: ['usb', 'ble'] },
    });
    key.events.subscribe((event) => void callTestProcess(BINDINGS.event, serial, plain(event)).catch(() => undefined));
    live.set(serial, { key, button, store });
    const ble = new BleEndpoint(key, { controlPointLength: CONTROL_POINT_LENGTH });
    source.add({ id: serial, name: 'Hideez Key (virtual)', serial, connectHid: () => connectInProcess(key), connectGatt: () => connectGattEndpoint(ble) });
  }
}

function controls(live: Map<string, LiveKey>): InPageControls {
  return {
    press: (serial) => live.get(serial)?.button.press() ?? false,
    deny: (serial) => live.get(serial)?.button.deny() ?? false,
    hold: (serial, ms) => live.get(serial)?.button.hold(ms) ?? false,
    restore: async (serial, state, version) => {
      const found = live.get(serial);
      await found?.store.adopt(found.key, { state, version });
    },
  };
}

const config = readConfig();
if (config?.source.kind === 'in-page') {
  const live = new Map<string, LiveKey>();
  const source = new InPageDeviceSource();
  const ready = plugKeys(source, config.source.serials, config.source.presence, live);
  ready.catch(() => undefined);
  Object.defineProperty(globalThis, CONTROLS_GLOBAL, { value: controls(live), enumerable: false });
  installShims(config, whenReady(source, ready, live));
}
