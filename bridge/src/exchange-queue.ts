/**
 * The queue discipline every Transport promises (transport.ts), apart from any framing: exchanges run one at a
 * time in call order; one still waiting leaves without touching the device when its signal aborts or its
 * `timeoutMs` passes; for the running one the queue asks the runner to give up, and the runner settles it once
 * the key has answered (or has not, in time). BleChannel uses it. HidChannel keeps a queue of its own on purpose:
 * HID carries the high-rate traffic (tens of thousands of exchanges a second over UDP, BENCHMARKS.md), so it serves
 * every deadline with one watchdog timer and every signal with one listener, where this queue spends a timer and a
 * listener per call.
 */
import { TransportError } from './errors.js';

/** Why the running exchange is being given up: its signal aborted, or its `timeoutMs` passed. */
export type GiveUpReason = 'CANCELLED' | 'TIMEOUT';

export interface ExchangeRunner<J> {
  /** `job` reached the head of the queue; the runner settles it later with resolve() or reject(). */
  start(job: J): void;
  /** The running `job`'s signal aborted (`cause` is its reason) or its deadline passed. Called at most once per reason. */
  giveUp(job: J, reason: GiveUpReason, cause: unknown): void;
}

export interface QueueOptions {
  readonly signal?: AbortSignal;
  /** Total time allowed, queue time included. */
  readonly timeoutMs?: number;
}

interface Entry<R> {
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
  /** Stops listening to the signal and clears the deadline. */
  readonly release: () => void;
}

export class ExchangeQueue<J extends object, R> {
  private waiting: J[] = [];
  private readonly entries = new Map<J, Entry<R>>();
  private running: J | undefined;

  constructor(private readonly runner: ExchangeRunner<J>) {}

  /** The exchange the runner is working on. */
  get current(): J | undefined {
    return this.running;
  }

  push(job: J, options: QueueOptions = {}): Promise<R> {
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(new TransportError('CANCELLED', { cause: signal.reason }));
    return new Promise<R>((resolve, reject) => {
      const onAbort = (): void => this.abandon(job, 'CANCELLED', signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.abandon(job, 'TIMEOUT', undefined), timeoutMs);
      // A call waiting for a key must not keep a Node process alive on its own (the port decides that).
      (timer as { unref?: () => void } | undefined)?.unref?.();
      const release = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.entries.set(job, { resolve, reject, release });
      if (this.running === undefined) this.begin(job);
      else this.waiting.push(job);
    });
  }

  /** Settles the running `job` and starts the next one, so results arrive in call order. */
  resolve(job: J, value: R): void {
    this.take(job)?.resolve(value);
    this.advance(job);
  }

  reject(job: J, error: unknown): void {
    this.take(job)?.reject(error);
    this.advance(job);
  }

  /** Rejects every exchange, running and waiting, with `error` (the link is gone or closed). */
  rejectAll(error: unknown): void {
    const jobs = this.running === undefined ? this.waiting : [this.running, ...this.waiting];
    this.running = undefined;
    this.waiting = [];
    for (const job of jobs) this.take(job)?.reject(error);
  }

  private begin(job: J): void {
    this.running = job;
    this.runner.start(job);
  }

  private advance(settled: J): void {
    if (this.running !== settled) return;
    this.running = undefined;
    const next = this.waiting.shift();
    if (next !== undefined) this.begin(next);
  }

  private take(job: J): Entry<R> | undefined {
    const entry = this.entries.get(job);
    if (entry === undefined) return undefined;
    this.entries.delete(job);
    entry.release();
    return entry;
  }

  private abandon(job: J, reason: GiveUpReason, cause: unknown): void {
    if (job === this.running) {
      this.runner.giveUp(job, reason, cause);
      return;
    }
    const index = this.waiting.indexOf(job);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    this.take(job)?.reject(new TransportError(reason, cause === undefined ? undefined : { cause }));
  }
}
