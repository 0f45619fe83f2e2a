/**
 * The queue discipline every Transport promises (transport.ts), apart from any framing, shared by HidChannel and
 * BleChannel: requests run one at a time in call order; one still waiting leaves without touching the device when
 * its signal aborts or its `timeoutMs` passes; for the running one the channel is asked to give up (`abandon`), and
 * settles it once the key has answered the CANCEL (or has not, in time).
 *
 * HID over UDP carries tens of thousands of exchanges a second (BENCHMARKS.md), so the scheduler spends no timer and
 * no closure per request: one watchdog timer serves every deadline (the queue's, and the running request's that the
 * channel reports in `runningDue`), and the scheduler itself is the `abort` listener of every signal, registered once
 * per signal however many requests share it.
 */
import { CtapStatus, Status } from '@hkey/protocol';
import { type BridgeError, TransportError } from './errors.js';
import type { DeviceDescriptor, ExchangeOptions, KeepaliveStatus, Transport } from './transport.js';

/** Why the running request is being given up: its signal aborted, or its `timeoutMs` passed. */
export type GiveUpReason = 'CANCELLED' | 'TIMEOUT';

/** What a request carries, for the cancelled-answer rules: an HKP request, a CTAP2 request, a U2F APDU, or a framing command. */
export type RequestKind = 'hkp' | 'ctap2' | 'u2f' | 'control';

/** One request; each channel extends it with where its request is. */
export class ScheduledCall {
  /** When the key was last heard from during this request (ms): the idle timeout counts from here. */
  lastHeard = 0;
  /** When the key must have answered a CANCEL. */
  graceUntil = Infinity;
  /** Set when the request is given up, with the abort reason kept as the cause of the CANCELLED error. */
  givingUp: GiveUpReason | undefined = undefined;
  abortReason: unknown = undefined;
  resolve: (payload: Uint8Array) => void = noop;
  reject: (error: unknown) => void = noop;
  readonly signal: AbortSignal | undefined;
  readonly onKeepalive: ((status: KeepaliveStatus) => void) | undefined;
  /** Overall deadline (ms), Infinity for none. */
  readonly deadline: number;

  constructor(
    readonly cmd: number,
    readonly payload: Uint8Array,
    options: ExchangeOptions | undefined,
  ) {
    this.signal = options?.signal;
    this.onKeepalive = options?.onKeepalive;
    this.deadline = options?.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  }
}

export interface SchedulerOptions {
  /** How long the key may stay silent during a request before it fails with TIMEOUT. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** How long a cancelled request waits for the key to answer the CANCEL before it gives up on it. Default 1 s. */
  readonly cancelGraceMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_CANCEL_GRACE_MS = 1_000;

export abstract class RequestScheduler<C extends ScheduledCall> implements EventListenerObject {
  protected readonly idleTimeoutMs: number;
  protected readonly cancelGraceMs: number;
  /** The request the channel is working on. */
  protected current: C | undefined;
  protected closed = false;
  private queue: C[] = [];
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private watchdogDue = Infinity;
  /** How many unsettled requests use each signal: the scheduler listens to a signal only while one does. */
  private readonly signalUsers = new Map<AbortSignal, number>();
  private readonly disconnectListeners = new Set<(error: TransportError) => void>();

  constructor(
    options: SchedulerOptions,
    /** The largest payload the framing carries. */
    private readonly maxMessageSize: number,
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.cancelGraceMs = options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  }

  /** Sends one message of the channel's own kind (HKP_MSG on HID, MSG on BLE) and resolves with the key's answer. */
  abstract exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array>;

  /** The link went away by itself; pending calls have been rejected with the same error. Returns an unsubscribe function. */
  onDisconnect(listener: (error: TransportError) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /** Cancels the running call on the key, rejects pending calls with DISCONNECTED and closes the link. */
  async close(): Promise<void> {
    if (this.closed) return;
    const onKey = this.current !== undefined && this.isOnKey(this.current);
    this.shutdown(new TransportError('DISCONNECTED', { message: 'The connection was closed before the key answered.' }));
    await this.closeLink(onKey);
  }

  /** AbortSignal listener: gives up every request that uses the aborted signal. */
  handleEvent(event: Event): void {
    const signal = event.target as AbortSignal;
    const current = this.current;
    this.queue = this.queue.filter((call) => {
      if (call.signal !== signal) return true;
      this.reject(call, new TransportError('CANCELLED', { cause: signal.reason }));
      return false;
    });
    if (current !== undefined && current.signal === signal) this.giveUp(current, 'CANCELLED', signal.reason);
  }

  /** The new request of the channel's kind. */
  protected abstract createCall(cmd: number, payload: Uint8Array, options: ExchangeOptions | undefined): C;
  /** `call` reached the head of the queue: send it (or whatever the link needs first). */
  protected abstract start(call: C): void;
  /** The running `call` is given up (`givingUp` says why): cancel it on the key, or fail it when the key has nothing of it. */
  protected abstract abandon(call: C): void;
  /** The watchdog fired: check the running request's own timers. */
  protected abstract check(now: number): void;
  /** When `check` must run next for the running request (its overall deadline apart); Infinity for never. */
  protected abstract runningDue(now: number): number;
  /** Whether the key has (part of) `call`, so closing must CANCEL it. */
  protected abstract isOnKey(call: C): boolean;
  /** Closes the link after a close(), first cancelling the running request on the key when `cancel`. */
  protected abstract closeLink(cancel: boolean): Promise<void>;
  /** Lets go of the link after it broke by itself. */
  protected abstract release(): Promise<void> | void;

  protected enqueue(cmd: number, payload: Uint8Array, options: ExchangeOptions | undefined): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new TransportError('DISCONNECTED', { message: 'This connection to the key is closed; open it again.' }));
    if (payload.length > this.maxMessageSize) {
      return Promise.reject(new TransportError('PROTOCOL_VIOLATION', { message: `A message holds at most ${this.maxMessageSize} bytes.` }));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new TransportError('CANCELLED', { cause: signal.reason }));
    const call = this.createCall(cmd, payload, options);
    const promise = new Promise<Uint8Array>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    if (signal !== undefined) this.watch(signal);
    if (call.deadline !== Infinity) this.armWatchdog(call.deadline);
    if (this.current === undefined) this.begin(call);
    else this.queue.push(call);
    return promise;
  }

  /** Settles the running `call` with the key's answer and starts the next one, so results arrive in call order. */
  protected resolve(call: C, payload: Uint8Array): void {
    if (call !== this.current) return;
    this.unwatchCall(call);
    call.resolve(payload);
    this.advance();
  }

  /** Fails the running `call` and moves on. */
  protected fail(call: C, error: TransportError): void {
    if (call !== this.current) return;
    this.reject(call, error);
    this.advance();
  }

  /** CANCELLED (with the signal's reason as cause) or TIMEOUT. */
  protected giveUpError(call: C): TransportError {
    return new TransportError(call.givingUp ?? 'CANCELLED', call.abortReason === undefined ? undefined : { cause: call.abortReason });
  }

  /** Tells the caller of `call` what the key is doing. */
  protected reportKeepalive(call: C, userPresence: boolean): void {
    call.onKeepalive?.(userPresence ? 'user-presence' : 'processing');
  }

  /**
   * One timer serves all deadlines: it is armed for the earliest one and, when it fires, checks every request
   * and re-arms. A request that ends in time costs no timer at all, which matters at tens of thousands per second.
   */
  protected armWatchdog(due: number): void {
    if (due >= this.watchdogDue || this.closed) return;
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdogDue = due;
    this.watchdog = setTimeout(this.onWatchdog, Math.max(0, due - Date.now()));
    // A channel waiting for a key must not keep a Node process alive on its own (the link decides that).
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  /** The link broke: fail everything, tell the listeners, let go of the link. */
  protected lose(error: TransportError): void {
    if (this.closed) return;
    this.shutdown(error);
    for (const listener of this.disconnectListeners) listener(error);
    // The link is already gone: one that fails to close has nothing left to report (synchronously or not).
    try {
      void Promise.resolve(this.release()).catch(noop);
    } catch {
      // See above.
    }
  }

  /** Stops the timer and rejects every request, running and waiting, with `error`; channels stop listening to their link too. */
  protected shutdown(error: TransportError): void {
    this.closed = true;
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    const pending = this.current === undefined ? this.queue : [this.current, ...this.queue];
    this.current = undefined;
    this.queue = [];
    for (const call of pending) this.reject(call, error);
  }

  private begin(call: C): void {
    this.current = call;
    this.start(call);
  }

  private advance(): void {
    this.current = undefined;
    const next = this.queue.shift();
    if (next !== undefined) this.begin(next);
  }

  private giveUp(call: C, reason: GiveUpReason, abortReason: unknown): void {
    if (call.givingUp !== undefined) return;
    call.givingUp = reason;
    call.abortReason = abortReason;
    this.abandon(call);
  }

  private reject(call: C, error: TransportError): void {
    this.unwatchCall(call);
    call.reject(error);
  }

  private unwatchCall(call: C): void {
    if (call.signal !== undefined) this.unwatch(call.signal);
  }

  private watch(signal: AbortSignal): void {
    const users = this.signalUsers.get(signal);
    if (users === undefined) signal.addEventListener('abort', this);
    this.signalUsers.set(signal, (users ?? 0) + 1);
  }

  private unwatch(signal: AbortSignal): void {
    const users = this.signalUsers.get(signal) ?? 0;
    if (users > 1) {
      this.signalUsers.set(signal, users - 1);
    } else {
      this.signalUsers.delete(signal);
      signal.removeEventListener('abort', this);
    }
  }

  private readonly onWatchdog = (): void => {
    this.watchdog = undefined;
    this.watchdogDue = Infinity;
    const now = Date.now();
    this.queue = this.queue.filter((call) => {
      if (call.deadline > now) return true;
      this.reject(call, new TransportError('TIMEOUT'));
      return false;
    });
    const call = this.current;
    if (call !== undefined && call.givingUp === undefined && now >= call.deadline) this.giveUp(call, 'TIMEOUT', undefined);
    this.check(now);
    this.armWatchdog(this.nextDue(now));
  };

  private nextDue(now: number): number {
    let due = this.runningDue(now);
    for (const call of this.queue) due = Math.min(due, call.deadline);
    const call = this.current;
    if (call !== undefined && call.givingUp === undefined) due = Math.min(due, call.deadline);
    return due;
  }
}

/** A Transport over a scheduled framing channel (CTAPHID or BLE): it adds nothing but the shape users expect. */
export class ChannelTransport<C extends RequestScheduler<ScheduledCall>> implements Transport {
  constructor(
    readonly descriptor: DeviceDescriptor,
    /** The framing underneath, for what only it knows (PING, WINK, the MTU, the INIT information). */
    readonly channel: C,
  ) {}

  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.channel.exchange(message, options);
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  on(_event: 'disconnect', listener: (error: BridgeError) => void): () => void {
    return this.channel.onDisconnect(listener);
  }
}

/**
 * Whether `answer` is how a key answers a request it stopped because of CANCEL: HKP status CANCELLED, or
 * CTAP2_ERR_KEEPALIVE_CANCEL for a CTAP2 request. U2F has no cancelled answer: the key answers the APDU.
 */
export function isCancelledAnswer(kind: RequestKind, answer: Uint8Array): boolean {
  if (kind === 'hkp') return answer[0] === Status.CANCELLED;
  if (kind === 'ctap2') return answer.length === 1 && answer[0] === CtapStatus.KEEPALIVE_CANCEL;
  return false;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

export function noop(): void {}
