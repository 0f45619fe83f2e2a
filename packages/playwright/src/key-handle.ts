/** What a test holds for each virtual key: the same API whether the key is behind the bridge or in the page. */

/** One entry of the key's event log (docs/protocol.md §8.3): never a secret, PIN or password. */
export interface KeyEvent {
  readonly seq: number;
  readonly time: number;
  readonly serial: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** Top-level fields an event must have, compared as text: `{ type: 'presence', state: 'waiting' }`. */
export type EventFilter = Readonly<Record<string, string | number | boolean>>;

export interface WaitOptions {
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

export interface AccountSpec {
  /** Unique on the key. */
  readonly name: string;
  /** The OTP secret, base32 or bytes; default: 20 random bytes, returned base32 for the test to compute codes. */
  readonly secret?: string | Uint8Array;
  /** Default TOTP. */
  readonly kind?: 'TOTP' | 'HOTP';
  readonly digits?: 6 | 7 | 8;
  /** TOTP step in seconds; default 30. */
  readonly period?: number;
  readonly login?: string;
  readonly password?: string;
}

export interface AddedAccount {
  readonly id: number;
  readonly name: string;
  /** The OTP secret, base32: the test's own copy, to check the codes a page shows. */
  readonly secret: string;
}

export interface VirtualKeyHandle {
  /** HK-SIM-000001, HK-SIM-000002, ... */
  readonly serial: string;
  /** Waits until the key asks for its button (a touch), then approves. */
  press(options?: WaitOptions): Promise<void>;
  /** Waits until the key asks for its button, then declines on the key (the page gets NotAllowedError). */
  deny(options?: WaitOptions): Promise<void>;
  /** Waits until the key asks for its button, then holds it `ms` milliseconds (a wipe needs 10 000). */
  hold(ms: number, options?: WaitOptions): Promise<void>;
  /** Sets the key's clock. */
  setTime(time: Date | number): Promise<void>;
  /** Stores an account with an OTP credential on the key. */
  addAccount(spec: AccountSpec): Promise<AddedAccount>;
  /** Keeps a copy of the key's state in the test process; returns its id for restore(). */
  snapshot(): Promise<string>;
  restore(id: string): Promise<void>;
  /** The key's event log so far. */
  events(): Promise<KeyEvent[]>;
  /**
   * The first event matching `filter` after the one the previous waitForEvent returned (from the test's start the
   * first time), waiting for it if it has not happened yet.
   */
  waitForEvent(filter: EventFilter, options?: WaitOptions): Promise<KeyEvent>;
}

export const DEFAULT_WAIT_MS = 10_000;

export function matchesFilter(event: KeyEvent, filter: EventFilter): boolean {
  return Object.entries(filter).every(([name, expected]) => String(event[name]) === String(expected));
}

export function unixSeconds(time: Date | number): number {
  return Math.floor(time instanceof Date ? time.getTime() / 1000 : time);
}
