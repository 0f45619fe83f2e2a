/**
 * Paces packets like a physical link (realistic timing mode): one packet per interval, in order.
 * A full-speed USB HID key moves one 64-byte report per 1 ms poll; a BLE link moves fragments once per
 * connection interval (7.5 to 30 ms).
 */
import type { Clock } from './clock.js';

export class Pacer {
  private readonly queue: (() => void)[] = [];
  private nextSlot = 0;
  private timerArmed = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Runs `deliver` in the next free slot: immediately if the link has been idle for an interval. */
  run(deliver: () => void): void {
    this.queue.push(deliver);
    this.pump();
  }

  /** Drops everything not yet delivered (the link went away). */
  clear(): void {
    this.queue.length = 0;
  }

  private pump(): void {
    if (this.timerArmed) return;
    const wait = this.nextSlot - this.clock.now();
    if (wait > 0) {
      this.timerArmed = true;
      this.clock.setTimer(wait, () => {
        this.timerArmed = false;
        this.pump();
      });
      return;
    }
    const deliver = this.queue.shift();
    if (deliver === undefined) return;
    this.nextSlot = this.clock.now() + this.intervalMs;
    deliver();
    if (this.queue.length > 0) this.pump();
  }
}

/** Timing of the physical transports in realistic mode (docs/scaling.md, BENCHMARKS.md). */
export interface LinkTiming {
  /** Milliseconds per HID report and direction; 1 for a full-speed USB key. */
  readonly hidReportIntervalMs: number;
  /** BLE connection interval in milliseconds, one fragment per interval and direction; 7.5 to 30. */
  readonly bleConnectionIntervalMs: number;
}

export const REALISTIC_TIMING: LinkTiming = { hidReportIntervalMs: 1, bleConnectionIntervalMs: 15 };
