/**
 * The device's structured event log: frames, commands, state changes, button waits and faults.
 * Events never carry secrets, passwords or PINs: command parameters are redacted through the schemas'
 * `secret` marks before they get here, and frames are described by their headers only.
 */
export type DeviceEvent =
  | { type: 'frame'; direction: 'in' | 'out'; transport: 'hid' | 'ble'; bytes: number; header: string }
  | { type: 'command'; session: number; transport: string; command: string; params: Record<string, unknown> }
  | { type: 'response'; session: number; command: string; status: string; ms: number }
  | { type: 'presence'; state: 'waiting' | 'approved' | 'denied' | 'timeout' | 'hold-too-short' | 'cancelled'; kind: string; reason: string }
  | { type: 'state'; change: string; detail?: Record<string, unknown> }
  | { type: 'session'; session: number; transport: string; state: 'opened' | 'closed' | 'unlocked' | 'locked' }
  | { type: 'fault'; fault: string; detail?: Record<string, unknown> }
  | { type: 'wink' }
  | { type: 'power'; state: 'off' | 'on' };

export type LoggedEvent = DeviceEvent & { readonly seq: number; readonly time: number; readonly serial: string };

type Listener = (event: LoggedEvent) => void;

export class EventLog {
  /** A ring: `buffer[(start + i) % capacity]` for i < size, oldest first. */
  private readonly buffer: LoggedEvent[] = [];
  private start = 0;
  private readonly listeners = new Set<Listener>();
  private seq = 0;
  /** Frame events cost time on every report: they are logged only while tracing is on. */
  traceFrames = false;

  constructor(
    private readonly serial: string,
    private readonly now: () => number,
    private readonly capacity = 1000,
  ) {}

  /** Logs `event`, which becomes the logged record: callers pass a fresh object. */
  emit(event: DeviceEvent): void {
    // Stamped in place rather than copied: emit() runs twice per command on the hot path.
    const logged = event as { -readonly [K in keyof LoggedEvent]: LoggedEvent[K] } & DeviceEvent;
    logged.seq = ++this.seq;
    logged.time = this.now();
    logged.serial = this.serial;
    if (this.buffer.length < this.capacity) this.buffer.push(logged as LoggedEvent);
    else {
      this.buffer[this.start] = logged as LoggedEvent;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.listeners.size > 0) for (const listener of this.listeners) listener(logged as LoggedEvent);
  }

  /** Events with seq greater than `afterSeq`, oldest first. */
  since(afterSeq = 0): LoggedEvent[] {
    const ordered = this.start === 0 ? this.buffer : [...this.buffer.slice(this.start), ...this.buffer.slice(0, this.start)];
    return ordered.filter((event) => event.seq > afterSeq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event (already logged after `afterSeq`, or future) that matches; rejects on abort. */
  waitFor(match: (event: LoggedEvent) => boolean, options: { afterSeq?: number; signal?: AbortSignal } = {}): Promise<LoggedEvent> {
    const earlier = this.since(options.afterSeq ?? this.seq).find(match);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        unsubscribe();
        reject(options.signal?.reason ?? new Error('aborted'));
      };
      const unsubscribe = this.subscribe((event) => {
        if (!match(event)) return;
        unsubscribe();
        options.signal?.removeEventListener('abort', onAbort);
        resolve(event);
      });
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
