/** What each source (bridge or in-page) sets up for one test, and how the fixture uses it. */
import type { BrowserContext } from '@playwright/test';
import type { InitConfig } from './browser/config.js';
import type { VirtualKeyHandle } from './key-handle.js';

/** Where the fixture's servers listen (bridge source only), for tests that reach them directly. */
export interface HkeyEndpoints {
  /** The bridge's WebSocket URL and launch token (docs/bridge-protocol.md). */
  readonly bridge?: { readonly url: string; readonly token: string };
  /** The simulator's control API and its token (docs/protocol.md §8.3). */
  readonly control?: { readonly url: string; readonly token: string };
  /** The keys' UDP HID endpoints, for `hkey -t udp://...` (with `links: ['udp']`, else none). */
  readonly udp: readonly string[];
  /** The keys' BLE link addresses, `ble-link://HOST:PORT/SERIAL` (with `links: ['ble']`, else none). */
  readonly bleLink: readonly string[];
  /** Every port the fixture listens on; all are closed when the test ends. */
  readonly ports: readonly number[];
}

export interface Rig {
  readonly keys: readonly VirtualKeyHandle[];
  readonly source: InitConfig['source'];
  readonly endpoints: HkeyEndpoints;
  /** Connects the rig to the test's browser context before its first page (the in-page source's bindings). */
  attach(context: BrowserContext): Promise<void>;
  close(): Promise<void>;
}
