/**
 * What the fixture tells its init script: a JSON object in a variable around the bundle, read by the browser
 * entries. Shared by Node and the browser, so it imports nothing.
 */
export type ChooserPolicy = 'grant' | 'deny' | 'dialog';

export interface InitConfig {
  /** bridge: the fixture's bridge server with its launch token; in-page: virtual keys inside the page. */
  readonly source:
    | { readonly kind: 'bridge'; readonly url: string; readonly token: string }
    | { readonly kind: 'in-page'; readonly serials: readonly string[]; readonly presence: 'auto' | 'button' };
  /** How the WebHID and Web Bluetooth choosers answer. */
  readonly prompt: ChooserPolicy;
  /** Chrome's rule that a chooser needs a user gesture. */
  readonly requireUserActivation: boolean;
  /** Typed into the WebAuthn PIN prompt; undefined: the prompt is cancelled (NotAllowedError). */
  readonly pin?: string;
}

/**
 * The variable holding the config: a const of the function the init script wraps the bundle in, never a global, so
 * no page script (or third-party frame) can read the bridge token or the PIN.
 */
export const CONFIG_VARIABLE = '__hkeyPlaywrightConfig';

/**
 * Bindings the in-page keys call back into the test process (Playwright exposeBinding); they answer only frames of
 * the test's origins. loadState gives the key's state and its version; saveState(serial, state, version) writes
 * only on top of that version and answers the new one, or null when another frame has saved since.
 */
export const BINDINGS = {
  loadState: '__hkeyLoadState',
  saveState: '__hkeySaveState',
  event: '__hkeyKeyEvent',
} as const;

/** Where the in-page entry keeps the keys' controls for the fixture (not enumerable). */
export const CONTROLS_GLOBAL = '__hkeyKeyControls';

export interface InPageControls {
  press(serial: string): boolean;
  deny(serial: string): boolean;
  hold(serial: string, ms: number): boolean;
  /** Replaces a live key's state with the test process's copy (after addAccount, setTime, restore). */
  restore(serial: string, state: unknown, version: number): Promise<void>;
}

/** The test process's copy of a key's state, numbered by every save. */
export interface VersionedState {
  readonly state: unknown;
  readonly version: number;
}
