/**
 * Paces packets like a physical link (realistic timing mode): each packet takes one interval to cross, in order,
 * so n packets arrive n intervals after the first was sent. A full-speed USB HID key moves one 64-byte report per
 * 1 ms poll; a BLE link moves a fragment per connection interval (7.5 to 30 ms).
 */
import type { Clock } from './clock.js';

export class Pacer {
  private readonly queue: { due: number; deliver: () => void }[] = [];
  /** When the link finishes carrying the last accepted packet. */
  private busyUntil = 0;
  private timerArmed = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Runs `deliver` when the packet has crossed: one interval after the link is free. */
  run(deliver: () => void): void {
    this.busyUntil = Math.max(this.busyUntil, this.clock.now()) + this.intervalMs;
    this.queue.push({ due: this.busyUntil, deliver });
    if (!this.timerArmed) this.arm();
  }

  /** Drops everything not yet delivered (the link went away). */
  clear(): void {
    this.queue.length = 0;
  }

  private arm(): void {
    const next = this.queue[0];
    if (next === undefined) return;
    this.timerArmed = true;
    this.clock.setTimer(next.due - this.clock.now(), () => {
      this.timerArmed = false;
      while (this.queue.length > 0 && (this.queue[0] as { due: number }).due <= this.clock.now()) this.queue.shift()?.deliver();
      this.arm();
    });
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
