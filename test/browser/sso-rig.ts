/**
 * What the SSO end-to-end test runs on: the example app, a simulator (keys whose button is pressed through the
 * control API) behind a bridge server, or a virtual key inside the page whose flash the test keeps; the init
 * script (pages/sso-shims.ts) bundled here; and screenshots into docs/screenshots when HKEY_SCREENSHOTS=1.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { type BridgeServer, FidoClient, UdpTransportKind, openVirtualTransport, startBridgeServer, udpSource } from '@hkey/bridge';
import { VirtualKey, connectInProcess, stateToJson } from '@hkey/firmware-sim';
import { type ControlServer, Simulator, startControlServer } from '@hkey/firmware-sim/node';
import { SSO_BINDINGS, type SsoShimConfig } from './pages/sso-config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

let shimBundle: Promise<string> | undefined;

/** pages/sso-shims.ts as one script, with the browser entries of the packages. */
function ssoShims(): Promise<string> {
  shimBundle ??= build({
    entryPoints: [join(root, 'test/browser/pages/sso-shims.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
    alias: { '@hkey/protocol': join(root, 'protocol/src/index.browser.ts'), '@hkey/firmware-sim': join(root, 'firmware-sim/src/index.ts') },
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return shimBundle;
}

/** A tab with navigator.credentials shimmed before the app's scripts run. */
export async function shimmedPage(context: BrowserContext, config: SsoShimConfig): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript({ content: `window.__SSO_SHIM__ = ${JSON.stringify(config)};\n${await ssoShims()}` });
  return page;
}

/** Opens `url` and waits until the shim's keys are there. */
export async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => (window as { __hkeyShimReady?: boolean }).__hkeyShimReady === true);
}

/** Keys of the simulator behind a bridge server; the control API is how the test touches them. */
export class SimulatedKeys {
  private readonly unplugged = new Set<number>();

  private constructor(
    readonly simulator: Simulator,
    readonly control: ControlServer,
    readonly bridge: BridgeServer,
  ) {}

  static async start(count: number): Promise<SimulatedKeys> {
    const simulator = await Simulator.start({ devices: count, udpPort: 0, blePort: null, presence: 'button' });
    const control = await startControlServer(simulator, { port: 0 });
    const addresses = simulator.devices.map((device) => `udp://${device.udp.host}:${device.udp.port}`);
    const bridge = await startBridgeServer({ port: 0, sources: [udpSource({ addresses, pollIntervalMs: 200 })], onWarning: () => undefined });
    return new SimulatedKeys(simulator, control, bridge);
  }

  serial(index: number): string {
    return this.simulator.devices[index]?.key.serial as string;
  }

  /** Presses (or denies on) key `index`'s button through the control API; false when it was not waiting. */
  async button(index: number, action: 'press' | 'deny'): Promise<boolean> {
    const response = await fetch(`${this.control.url}/v1/devices/${this.serial(index)}/button`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.control.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action }),
    });
    return response.status === 200;
  }

  /** Acts on the button as soon as the key waits for it; resolves after the first time. */
  async when(index: number, action: 'press' | 'deny', timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.button(index, action))) {
      if (Date.now() > deadline) throw new Error(`key ${index} never waited for its button`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Someone standing by key `index`, touching it whenever it asks (a PIN ceremony asks twice), until stopped. */
  touchWhenAsked(index: number): { stop(): void } {
    let stopped = false;
    void (async () => {
      while (!stopped) {
        await this.button(index, 'press').catch(() => false);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    return { stop: () => void (stopped = true) };
  }

  /** Sets key `index`'s FIDO PIN, as `hkey fido pin set` would. */
  async setPin(index: number, pin: string): Promise<void> {
    await this.withFido(index, (fido) => fido.clientPin.setPin(pin));
  }

  /** Uses up key `index`'s PIN retries with wrong PINs (power-cycling through the control API every three), until it blocks. */
  async blockPin(index: number): Promise<void> {
    for (;;) {
      const retries = await this.withFido(index, async (fido) => (await fido.clientPin.getRetries()).retries);
      if (retries === 0) return;
      for (let attempt = 0; attempt < Math.min(3, retries); attempt++) {
        await this.withFido(index, (fido) => fido.clientPin.getPinToken('000000').catch(() => undefined));
      }
      await fetch(`${this.control.url}/v1/devices/${this.serial(index)}/power-cycle`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.control.token}` },
      });
    }
  }

  /** Pulls key `index` out: its UDP endpoint goes, and the bridge sees the key leave. */
  async unplug(index: number): Promise<void> {
    this.unplugged.add(index);
    await this.simulator.devices[index]?.udp.close();
  }

  private async withFido<T>(index: number, work: (fido: FidoClient) => Promise<T>): Promise<T> {
    const device = this.simulator.devices[index];
    const address = `udp://${device?.udp.host}:${device?.udp.port}`;
    const transport = await new UdpTransportKind({ addresses: [address] }).open(address);
    try {
      return await work(new FidoClient(transport));
    } finally {
      await transport.close();
    }
  }

  async close(): Promise<void> {
    await this.bridge.close();
    await this.control.close();
    // What unplug took away is gone already; Simulator.close would close it a second time.
    if (this.unplugged.size === 0) await this.simulator.close();
    else await Promise.all(this.simulator.devices.filter((_device, index) => !this.unplugged.has(index)).map((device) => device.udp.close()));
  }
}

/** In-page keys' flash, kept here so it survives navigations (the page loads and saves it through bindings). */
export class InPageKeyStates {
  private readonly states = new Map<string, unknown>();

  async attach(context: BrowserContext): Promise<void> {
    await context.exposeBinding(SSO_BINDINGS.load, (_source, serial: string) => this.states.get(serial) ?? null);
    await context.exposeBinding(SSO_BINDINGS.save, (_source, serial: string, state: unknown) => void this.states.set(serial, state));
  }

  /** A new key `serial` with `pin` as its FIDO PIN, made here and handed to the page as its flash. */
  async seed(serial: string, pin: string): Promise<void> {
    const key = await VirtualKey.start({ identity: { serial }, fido: { transports: ['usb', 'ble'] } });
    const transport = await openVirtualTransport(connectInProcess(key));
    await new FidoClient(transport).clientPin.setPin(pin);
    await transport.close();
    this.states.set(serial, stateToJson(key.state));
  }
}

/** docs/screenshots/sso-NAME.png, when HKEY_SCREENSHOTS=1 (the committed ones come from such a run). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.HKEY_SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(root, 'docs/screenshots', `sso-${name}.png`), fullPage: true });
}
