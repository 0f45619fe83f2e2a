/**
 * One repeating timer per link that sends KEEPALIVE while a command runs (docs/protocol.md §1.7, §2.6).
 * It is armed when a command starts and simply stops re-arming once nothing is in flight, so back-to-back
 * commands cost no timer each: most commands finish long before the first tick.
 */
import type { Clock } from './clock.js';

export class KeepaliveTicker {
  private armed = false;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    /** Sends a keepalive if a command is in flight; returns whether one is. */
    private readonly tick: () => boolean,
  ) {}

  /** A command started: make sure a tick comes within one interval. */
  start(): void {
    if (this.armed) return;
    this.armed = true;
    this.cancel = this.clock.setTimer(this.intervalMs, () => this.fire());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.armed = false;
  }

  private fire(): void {
    this.armed = false;
    if (this.tick()) this.start();
  }
}
