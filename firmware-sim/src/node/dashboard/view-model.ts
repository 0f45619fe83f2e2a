/**
 * What the dashboard page receives from the control API (docs/protocol.md §8.6): plain JSON shapes shared by the
 * server and the browser bundle, so this file imports nothing. None of them can hold a secret, a password or a PIN.
 */

/** The key's state as a person would describe it, most important first. */
export type KeyActivity = 'off' | 'pin-blocked' | 'battery-empty' | 'waiting-for-button' | 'processing' | 'locked' | 'idle';

/** The issuer's lifecycle state (docs/protocol.md §10.6); a key no issuer has touched is READY. */
export type LifecycleView = 'READY' | 'ACTIVE' | 'LOCKED' | 'SUSPENDED' | 'DEACTIVATED' | 'COMPROMISED';

export type LedColour = 'off' | 'green' | 'blue' | 'orange' | 'red' | 'white';
/** docs/protocol.md §8.6.2; the page shows `wink` itself for 1.5 s after each wink event. */
export type LedPattern = 'solid' | 'blink-slow' | 'blink-fast' | 'pulse' | 'heartbeat' | 'wink';

export interface LedView {
  readonly colour: LedColour;
  readonly pattern: LedPattern;
}

/** A request waiting for the button: what it is and who asked. */
export interface PendingRequestView {
  readonly kind: 'press' | 'hold';
  /** What the key is asking for, e.g. "GetOtp github" (never secret). */
  readonly reason: string;
  readonly command: string | null;
  /** "udp 127.0.0.1:53114", "ble", "in-process"... */
  readonly client: string;
  /** Host clock (ms) when the wait began. */
  readonly since: number;
  readonly holdMs: number;
  readonly timeoutMs: number | null;
}

/** One tile of the grid: enough for 1,000 keys at once. */
export interface KeyRow {
  readonly serial: string;
  readonly model: string;
  readonly activity: KeyActivity;
  readonly lifecycle: LifecycleView;
  readonly led: LedView;
  readonly pending: PendingRequestView | null;
  readonly pinRetries: number | null;
  readonly battery: number;
  readonly accounts: number;
  readonly storageUsed: number;
  readonly storageTotal: number;
  /** The last event's sequence number: rows are replaced only by newer ones. */
  readonly seq: number;
}

export interface AccountView {
  readonly id: number;
  readonly name: string;
  /** TOTP, HOTP, password, or TOTP+password... */
  readonly kinds: readonly string[];
  readonly flags: readonly string[];
}

export interface FidoCredentialView {
  readonly rpId: string;
  readonly userName: string | null;
}

export interface KeyDetail extends KeyRow {
  readonly firmware: string;
  readonly presencePolicy: string;
  readonly pin: { readonly set: boolean; readonly retries: number | null; readonly maxRetries: number | null };
  readonly fidoPin: { readonly set: boolean; readonly retries: number | null };
  readonly clock: { readonly deviceMs: number; readonly hostMs: number; readonly offsetMs: number; readonly driftPpm: number };
  readonly links: {
    readonly udp: string;
    readonly udpClients: readonly string[];
    readonly ble: { readonly connections: number; readonly mtus: readonly number[] };
  };
  readonly accountList: readonly AccountView[];
  readonly fidoCredentials: readonly FidoCredentialView[];
  readonly faults: { readonly packetRules: number; readonly flashPending: number; readonly busyReplies: number };
  readonly snapshots: readonly string[];
}

/** An event as the page shows it: the event log's record (docs/protocol.md §8.3), which never holds a secret. */
export interface EventView {
  readonly serial: string;
  readonly seq: number;
  readonly time: number;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** One frame of /v1/dashboard/stream: sent at most every STREAM_INTERVAL_MS, only when something changed. */
export interface StreamFrame {
  /** Rows of the keys that changed since the last frame (all of them in the first frame). */
  readonly rows: readonly KeyRow[];
  /** Events in the order each key logged them; at most STREAM_MAX_EVENTS per frame. */
  readonly events: readonly EventView[];
  /** Events left out of this frame because more arrived than a frame carries. */
  readonly skipped: number;
  /** Host clock (ms) when the frame was sent. */
  readonly sent: number;
}

export const STREAM_INTERVAL_MS = 50;
/** As many as the page's log shows at once: more would cost the keys time for rows nobody sees. */
export const STREAM_MAX_EVENTS = 200;
