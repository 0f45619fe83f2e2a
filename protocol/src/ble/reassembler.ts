import {
  BLE_CONT_HEADER_SIZE,
  BLE_DEFAULT_FRAGMENT_TIMEOUT_MS,
  BLE_INIT_BIT,
  BLE_INIT_HEADER_SIZE,
  BLE_MAX_MESSAGE_SIZE,
  BLE_MAX_SEQ,
  BleCommand,
  BleError,
  type BleErrorCode,
} from './constants.js';

/**
 * A complete message (`cmd` with bit 7, as on the wire), or the ERROR code the receiving side reports
 * for broken framing (docs/protocol.md §2.9). A device answers such an error with an ERROR fragment; a host
 * treats it as a failed transaction. A message whose cmd is KEEPALIVE or ERROR is the peer's own
 * KEEPALIVE or ERROR (§2.6, §2.8), delivered like any other message.
 */
export type BleReceiveResult =
  { readonly type: 'message'; readonly cmd: number; readonly payload: Uint8Array } | { readonly type: 'error'; readonly code: BleErrorCode };

export interface BleReassemblerOptions {
  /** Longest gap between two fragments of one message before REQ_TIMEOUT (§2.10). Default 2000 ms. */
  readonly fragmentTimeoutMs?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Reassembles the fragments of one direction of one BLE link, following the ordered rules of
 * docs/protocol.md §2.9. It never throws on traffic. It does not need the fragment size: fragments of
 * any length are accepted as long as they do not carry more than the declared length, so an MTU change
 * mid-message is harmless (§2.3).
 *
 * Drive it like HidReceiver: feed() every written or notified value, and poll() every 100 ms or so while
 * `needsPoll` is true (a REQ_TIMEOUT noticed by a feed() that had its own result waits for poll()).
 */
export class BleReassembler {
  private readonly fragmentTimeoutMs: number;
  private cmd = 0;
  private payload: Uint8Array = EMPTY;
  private filled = 0;
  private nextSeq = 0;
  private active = false;
  private lastFragmentAt = 0;
  /** A REQ_TIMEOUT noticed by a feed() that also had its own result; at most one (see HidReceiver.feed). */
  private pending: BleReceiveResult | undefined = undefined;

  constructor(options: BleReassemblerOptions = {}) {
    this.fragmentTimeoutMs = options.fragmentTimeoutMs ?? BLE_DEFAULT_FRAGMENT_TIMEOUT_MS;
  }

  /** True while a multi-fragment message is partly received. */
  get assembling(): boolean {
    return this.active;
  }

  /** True while a message is being assembled or a REQ_TIMEOUT waits to be taken: keep calling poll(). */
  get needsPoll(): boolean {
    return this.active || this.pending !== undefined;
  }

  /** Drops any partial message and pending timeout, e.g. on disconnect. */
  reset(): void {
    this.clear();
    this.pending = undefined;
  }

  /** Takes one fragment received at `now` (ms). */
  feed(fragment: Uint8Array, now: number): BleReceiveResult | undefined {
    this.expire(now);
    return this.accept(fragment, now) ?? this.takePending();
  }

  /** Reports the REQ_TIMEOUT of a message whose next fragment is overdue at `now` (§2.10). */
  poll(now: number): BleReceiveResult | undefined {
    this.expire(now);
    return this.takePending();
  }

  private expire(now: number): void {
    if (this.active && now - this.lastFragmentAt > this.fragmentTimeoutMs) {
      this.clear();
      this.pending = { type: 'error', code: BleError.REQ_TIMEOUT };
    }
  }

  private takePending(): BleReceiveResult | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  private accept(fragment: Uint8Array, now: number): BleReceiveResult | undefined {
    if (fragment.length === 0) return undefined;
    const first = fragment[0] as number;
    if ((first & BLE_INIT_BIT) === 0) return this.continuation(first, fragment, now);
    return this.initialization(first, fragment, now);
  }

  /** §2.9 rule 2. */
  private continuation(seq: number, fragment: Uint8Array, now: number): BleReceiveResult | undefined {
    if (!this.active) return undefined;
    if (seq !== this.nextSeq) return this.fail(BleError.INVALID_SEQ);
    const size = fragment.length - BLE_CONT_HEADER_SIZE;
    if (size > this.payload.length - this.filled) return this.fail(BleError.INVALID_LEN);
    this.payload.set(dataOf(fragment, BLE_CONT_HEADER_SIZE), this.filled);
    this.filled += size;
    this.nextSeq = (seq + 1) & BLE_MAX_SEQ;
    this.lastFragmentAt = now;
    if (this.filled < this.payload.length) return undefined;
    const message: BleReceiveResult = { type: 'message', cmd: this.cmd, payload: this.payload };
    this.clear();
    return message;
  }

  /** §2.9 rules 3 to 6. */
  private initialization(cmd: number, fragment: Uint8Array, now: number): BleReceiveResult | undefined {
    if (this.active) {
      // The message being received ends here: a CANCEL just drops it, anything else is out of sequence.
      this.clear();
      return refuse(cmd, BleError.INVALID_SEQ);
    }
    if (fragment.length < BLE_INIT_HEADER_SIZE) return refuse(cmd, BleError.INVALID_LEN);
    const length = ((fragment[1] as number) << 8) | (fragment[2] as number);
    const size = fragment.length - BLE_INIT_HEADER_SIZE;
    if (length > BLE_MAX_MESSAGE_SIZE || size > length) return refuse(cmd, BleError.INVALID_LEN);
    if (size === length) return { type: 'message', cmd, payload: fragment.slice(BLE_INIT_HEADER_SIZE) };
    this.payload = new Uint8Array(length);
    this.payload.set(dataOf(fragment, BLE_INIT_HEADER_SIZE));
    this.filled = size;
    this.cmd = cmd;
    this.nextSeq = 0;
    this.active = true;
    this.lastFragmentAt = now;
    return undefined;
  }

  private fail(code: BleErrorCode): BleReceiveResult {
    this.clear();
    return { type: 'error', code };
  }

  private clear(): void {
    this.active = false;
    this.payload = EMPTY;
    this.filled = 0;
  }
}

/** The data after a fragment's header; a view constructor is cheaper than subarray() in V8. */
function dataOf(fragment: Uint8Array, headerSize: number): Uint8Array {
  return new Uint8Array(fragment.buffer, fragment.byteOffset + headerSize, fragment.length - headerSize);
}

/** CANCEL is never answered (§2.7): where it cannot be delivered it is dropped instead of refused. */
function refuse(cmd: number, code: BleErrorCode): BleReceiveResult | undefined {
  return cmd === BleCommand.CANCEL ? undefined : { type: 'error', code };
}
