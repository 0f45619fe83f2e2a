/**
 * A key's clock in the simulator: it runs with a base clock (real time) and can also be told to jump ahead (the
 * control API's advance, docs/protocol.md §8.3). A jump fires, in due order, every timer that falls due on the way
 * (button timeout, HID and BLE packet timeouts, keepalives, delayed packets) and re-arms the rest, so a test skips a
 * 30 s button wait or a 10 s reset window without sleeping while everything else keeps real time.
 */
import { type Clock, systemClock } from './clock.js';

interface VirtualTimer {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
  /** Cancels the base clock's timer that fires this one in real time. */
  disarm: () => void;
}

export class VirtualClock implements Clock {
  private aheadMs = 0;
  private readonly timers = new Set<VirtualTimer>();
  private created = 0;
  private jumping: Promise<void> = Promise.resolve();

  constructor(private readonly base: Clock = systemClock) {}

  now(): number {
    return this.base.now() + this.aheadMs;
  }

  /** How far the jumps have moved this clock ahead of its base, in milliseconds. */
  get advancedMs(): number {
    return this.aheadMs;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer: VirtualTimer = { due: this.now() + Math.max(0, ms), order: this.created++, callback, disarm: () => undefined };
    this.timers.add(timer);
    this.arm(timer);
    return () => {
      timer.disarm();
      this.timers.delete(timer);
    };
  }

  /**
   * Jumps `ms` ahead, firing every timer due on the way (including ones they schedule), each at its own time.
   * `settle` runs after each timer so the work it starts (a command answering its timeout) finishes before the
   * next one fires, as it would in real time; jumps asked for while one runs follow it.
   */
  advance(ms: number, settle: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    const jump = this.jumping.then(() => this.jump(ms, settle));
    this.jumping = jump.catch(() => undefined);
    return jump;
  }

  private async jump(ms: number, settle: () => Promise<void>): Promise<void> {
    // Exactly `ms` ahead of the base when done; real time passing meanwhile counts too.
    const aheadAfter = this.aheadMs + Math.max(0, ms);
    const limit = (): number => this.base.now() + aheadAfter;
    for (let next = this.nextDue(limit()); next !== undefined; next = this.nextDue(limit())) {
      // Time never runs backwards: a timer the base already fired late leaves the clock where it is.
      this.aheadMs = Math.max(this.aheadMs, next.due - this.base.now());
      this.fire(next);
      await settle();
    }
    this.aheadMs = aheadAfter;
    // The timers left are due sooner in real time now.
    for (const timer of this.timers) {
      timer.disarm();
      this.arm(timer);
    }
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  private arm(timer: VirtualTimer): void {
    timer.disarm = this.base.setTimer(timer.due - this.now(), () => this.fire(timer));
  }

  private fire(timer: VirtualTimer): void {
    if (!this.timers.delete(timer)) return;
    timer.disarm();
    timer.callback();
  }

  private nextDue(limit: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.timers) {
      if (timer.due > limit) continue;
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.order < best.order)) best = timer;
    }
    return best;
  }
}
