/**
 * The key's button (user presence, docs/protocol.md §6.3). The device asks a PresenceSource and waits;
 * policies decide how the simulated user answers.
 */
import type { Clock } from './clock.js';

export type PresenceKind = 'press' | 'hold';
export type PresenceOutcome = 'approved' | 'denied' | 'timeout' | 'hold-too-short' | 'cancelled';

export interface PresenceRequest {
  readonly kind: PresenceKind;
  /** What the device is asking for, for displays: e.g. "GetOtp github". Never secret. */
  readonly reason: string;
  /** How long a `hold` must last. */
  readonly holdMs: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface PresenceSource {
  request(request: PresenceRequest, clock: Clock): Promise<PresenceOutcome>;
}

/** Resolves with 'timeout' after the request's timeout and with 'cancelled' on abort, unless `settle` wins first. */
function waitFor(request: PresenceRequest, clock: Clock, settle: (resolve: (outcome: PresenceOutcome) => void) => () => void): Promise<PresenceOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: PresenceOutcome): void => {
      if (done) return;
      done = true;
      cancelTimer();
      request.signal.removeEventListener('abort', onAbort);
      detach();
      resolve(outcome);
    };
    const onAbort = (): void => finish('cancelled');
    const cancelTimer = clock.setTimer(request.timeoutMs, () => finish('timeout'));
    request.signal.addEventListener('abort', onAbort);
    const detach = settle(finish);
    if (request.signal.aborted) finish('cancelled');
  });
}

/** Every request approved at once (a hold counts as long enough). */
export const autoApprove: PresenceSource = { request: async () => 'approved' };

/** Every request denied at once. */
export const autoDeny: PresenceSource = { request: async () => 'denied' };

/** Nobody ever touches the key: every request times out (or is cancelled). */
export const neverPress: PresenceSource = { request: (request, clock) => waitFor(request, clock, () => () => undefined) };

/** Answers requests with a fixed script of outcomes, then times out once the script is used up. */
export function scriptedPresence(outcomes: readonly Exclude<PresenceOutcome, 'cancelled'>[]): PresenceSource {
  const queue = [...outcomes];
  return {
    request(request, clock) {
      const outcome = queue.shift();
      if (outcome === undefined || outcome === 'timeout') return neverPress.request(request, clock);
      return Promise.resolve(outcome);
    },
  };
}

/** A callback decides (e.g. a prompt or a UI); its answer still races the timeout and cancellation. */
export function interactivePresence(decide: (request: PresenceRequest) => Promise<Exclude<PresenceOutcome, 'cancelled' | 'timeout'>>): PresenceSource {
  return {
    request(request, clock) {
      return waitFor(request, clock, (resolve) => {
        decide(request).then(resolve, () => resolve('denied'));
        return () => undefined;
      });
    },
  };
}

/**
 * A physical button that tests, the control API and the terminal panel press.
 * Requests wait until press/hold/deny is called, or time out.
 */
export class Button implements PresenceSource {
  private pending: { request: PresenceRequest; resolve: (outcome: PresenceOutcome) => void } | undefined;
  private readonly listeners = new Set<(request: PresenceRequest | undefined) => void>();

  request(request: PresenceRequest, clock: Clock): Promise<PresenceOutcome> {
    return waitFor(request, clock, (resolve) => {
      this.pending = { request, resolve };
      this.notify(request);
      return () => {
        this.pending = undefined;
        this.notify(undefined);
      };
    });
  }

  /** The request the key is waiting on, if any. */
  get waiting(): PresenceRequest | undefined {
    return this.pending?.request;
  }

  /** A short press: approves a `press`; for a `hold` it is too short. Returns false when nothing was waiting. */
  press(): boolean {
    return this.hold(0);
  }

  /** Holds the button for `ms` milliseconds of simulated time. */
  hold(ms: number): boolean {
    const pending = this.pending;
    if (!pending) return false;
    const longEnough = pending.request.kind === 'press' || ms >= pending.request.holdMs;
    pending.resolve(longEnough ? 'approved' : 'hold-too-short');
    return true;
  }

  /** The user declines on the key. */
  deny(): boolean {
    const pending = this.pending;
    if (!pending) return false;
    pending.resolve('denied');
    return true;
  }

  /** Called with the request when the key starts waiting and with undefined when it stops. */
  onChange(listener: (request: PresenceRequest | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(request: PresenceRequest | undefined): void {
    for (const listener of this.listeners) listener(request);
  }
}
