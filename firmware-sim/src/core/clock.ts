/**
 * Time for the device core: wall-clock milliseconds and timers, injected so that tests (and replays)
 * are deterministic and never sleep.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds; returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const handle = setTimeout(callback, ms);
    // A pending device timer must never keep a CLI or test process alive by itself.
    if (typeof handle === 'object' && 'unref' in handle) handle.unref();
    return () => clearTimeout(handle);
  },
};

interface PendingTimer {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
}

/** A clock that only moves when told to; timers fire in due order during advance(). */
export class ManualClock implements Clock {
  private current: number;
  private timers: PendingTimer[] = [];
  private created = 0;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { due: this.current + Math.max(0, ms), order: this.created++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward, firing every timer that falls due on the way (including ones they schedule). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = next.due;
      next.callback();
    }
    this.current = target;
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.timers) {
      if (timer.due <= limit && (best === undefined || timer.due < best.due || (timer.due === best.due && timer.order < best.order))) best = timer;
    }
    return best;
  }
}
