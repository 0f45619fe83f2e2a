/** The fixture's options (`test.use({ hkey: { ... } })`), checked once per test with a typed error for each mistake. */
import type { ChooserPolicy } from './browser/config.js';
import { HkeyFixtureError } from './errors.js';

export interface HkeyOptions {
  /** How many virtual keys, 1 to 16. Default 1. */
  readonly keys?: number;
  /**
   * bridge (default): a simulator and a bridge server in the test's worker; the page reaches the keys over a
   * WebSocket. in-page: the keys run inside the page itself (their state is kept in the test process, so it
   * survives navigations).
   */
  readonly source?: 'bridge' | 'in-page';
  /** The keys' FIDO PIN: set on every key at start and typed into the WebAuthn PIN prompt. Default: no PIN. */
  readonly pin?: string;
  /** auto (default): every touch is approved at once; button: the key waits for key.press(), deny() or hold(). */
  readonly presence?: 'auto' | 'button';
  /** How the WebHID and Web Bluetooth device choosers answer: grant (default, the first matching key), deny, dialog. */
  readonly prompt?: ChooserPolicy;
  /** Choosers need a user gesture, as in Chrome. Default true. */
  readonly requireUserActivation?: boolean;
  /** Web origins allowed to reach the bridge besides localhost and the baseURL's: "https://app.example". */
  readonly origins?: readonly string[];
  /** Every key's clock at start. Default: this computer's time. */
  readonly clock?: Date | number;
  /**
   * The simulator's own endpoints, which take no token, for tests that drive the keys with `hkey -t udp://...` or
   * over the BLE link: 'udp', 'ble'. Default none, so no other program on the machine can reach the keys.
   */
  readonly links?: readonly SimulatorLink[];
}

/** A simulator endpoint beyond the bridge: UDP HID (one port per key) or the BLE link (one TCP port). */
export type SimulatorLink = 'udp' | 'ble';
const SIMULATOR_LINKS: readonly SimulatorLink[] = ['udp', 'ble'];

export interface ResolvedOptions {
  readonly keys: number;
  readonly source: 'bridge' | 'in-page';
  readonly pin: string | undefined;
  readonly presence: 'auto' | 'button';
  readonly prompt: ChooserPolicy;
  readonly requireUserActivation: boolean;
  readonly origins: readonly string[];
  readonly clockSeconds: number | undefined;
  readonly links: readonly SimulatorLink[];
}

export const MAX_KEYS = 16;
const utf8 = new TextEncoder();

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, name: string): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  throw new HkeyFixtureError('BAD_FIXTURE_OPTION', `hkey.${name} must be one of ${allowed.join(', ')}.`);
}

function pinOption(pin: unknown): string | undefined {
  if (pin === undefined) return undefined;
  // CTAP 2.1 §6.5.5.5: at least 4 code points, at most 63 bytes of UTF-8. The PIN itself is never quoted.
  if (typeof pin !== 'string' || [...pin].length < 4 || utf8.encode(pin).length > 63) {
    throw new HkeyFixtureError('BAD_FIXTURE_OPTION', 'hkey.pin must be text of at least 4 characters and at most 63 bytes.');
  }
  return pin;
}

function clockOption(clock: unknown): number | undefined {
  if (clock === undefined) return undefined;
  const seconds = clock instanceof Date ? clock.getTime() / 1000 : clock;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new HkeyFixtureError('BAD_FIXTURE_OPTION', 'hkey.clock must be a Date or Unix seconds.');
  }
  return Math.floor(seconds);
}

function linksOption(links: unknown): SimulatorLink[] {
  if (links === undefined) return [];
  if (!Array.isArray(links) || links.some((link) => !SIMULATOR_LINKS.includes(link as SimulatorLink))) {
    throw new HkeyFixtureError('BAD_FIXTURE_OPTION', `hkey.links must be a list of ${SIMULATOR_LINKS.join(', ')}.`);
  }
  return [...new Set(links as SimulatorLink[])];
}

export function resolveOptions(options: HkeyOptions, baseURL: string | undefined): ResolvedOptions {
  const keys = options.keys ?? 1;
  if (!Number.isInteger(keys) || keys < 1 || keys > MAX_KEYS) {
    throw new HkeyFixtureError('BAD_FIXTURE_OPTION', `hkey.keys must be an integer from 1 to ${MAX_KEYS}.`);
  }
  const origins = options.origins ?? [];
  if (!Array.isArray(origins) || origins.some((origin) => typeof origin !== 'string')) {
    throw new HkeyFixtureError('BAD_FIXTURE_OPTION', 'hkey.origins must be a list of web origins such as https://app.example.');
  }
  return {
    keys,
    source: oneOf(options.source, ['bridge', 'in-page'] as const, 'bridge', 'source'),
    pin: pinOption(options.pin),
    presence: oneOf(options.presence, ['auto', 'button'] as const, 'auto', 'presence'),
    prompt: oneOf(options.prompt, ['grant', 'deny', 'dialog'] as const, 'grant', 'prompt'),
    requireUserActivation: options.requireUserActivation ?? true,
    origins: [...origins, ...baseOrigin(baseURL)],
    clockSeconds: clockOption(options.clock),
    links: linksOption(options.links),
  };
}

/** The page origin a baseURL names (http or https only), which the bridge must admit. */
function baseOrigin(baseURL: string | undefined): string[] {
  if (baseURL === undefined) return [];
  try {
    const url = new URL(baseURL);
    return url.protocol === 'http:' || url.protocol === 'https:' ? [url.origin] : [];
  } catch {
    return [];
  }
}

export function serialOf(index: number): string {
  return `HK-SIM-${String(index + 1).padStart(6, '0')}`;
}
