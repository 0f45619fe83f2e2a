import { HidAssembly, readHidCid } from './assembly.js';
import {
  HID_BROADCAST_CID,
  HID_DEFAULT_PACKET_TIMEOUT_MS,
  HID_INIT_BIT,
  HID_INIT_DATA_SIZE,
  HID_INIT_HEADER_SIZE,
  HID_MAX_MESSAGE_SIZE,
  HID_REPORT_SIZE,
  HID_RESERVED_CID,
  HidCommand,
  HidError,
  type HidErrorCode,
} from './constants.js';

/** A complete request, or the CTAPHID ERROR the device must send on `cid` (docs/protocol.md §1.11). */
export type HidReceiveResult =
  | { readonly type: 'message'; readonly cid: number; readonly cmd: number; readonly payload: Uint8Array }
  | { readonly type: 'error'; readonly cid: number; readonly code: HidErrorCode };

export interface HidReceiverOptions {
  /** Longest gap between two packets of one request before MSG_TIMEOUT (§1.12). Default 500 ms. */
  readonly packetTimeoutMs?: number;
  /** Whether the device has allocated `cid` (§1.4). Default: every CID but 0 and broadcast. */
  readonly isAllocated?: (cid: number) => boolean;
}

const NO_CHANNEL = -1;

/**
 * Device-side CTAPHID receiver: turns host reports into requests and framing errors, following the
 * ordered rules of docs/protocol.md §1.11. It never throws on traffic. It assembles one request at a
 * time (CTAP 2.1 §11.2.5: a device handles one transaction at a time).
 *
 * Driving it: call feed() for every OUT report, and poll() every 100 ms or so while `needsPoll` is true.
 * A feed() can notice an expired request and receive a new one at once; the expired one's MSG_TIMEOUT
 * then waits for the next poll() (or result-less feed()), and `needsPoll` stays true until it is taken.
 *
 * What happens after a message is delivered is the device's business; it tells the receiver through
 * `busyChannel`, lock() and reset().
 */
export class HidReceiver {
  /**
   * The channel whose request the device is still processing, set and cleared by the device (§1.11
   * rule 7). While set, init packets answer CHANNEL_BUSY except INIT and CANCEL on that channel.
   */
  busyChannel: number | undefined = undefined;

  private readonly packetTimeoutMs: number;
  private readonly isAllocated: (cid: number) => boolean;
  private readonly assembly = new HidAssembly();
  private lastPacketAt = 0;
  private lockCid = NO_CHANNEL;
  private lockUntil = 0;
  /** A MSG_TIMEOUT noticed by a feed() that also had its own result. At most one: see feed(). */
  private pending: HidReceiveResult | undefined = undefined;

  constructor(options: HidReceiverOptions = {}) {
    this.packetTimeoutMs = options.packetTimeoutMs ?? HID_DEFAULT_PACKET_TIMEOUT_MS;
    this.isAllocated = options.isAllocated ?? (() => true);
  }

  /** The channel whose multi-packet request is being assembled, if any. */
  get assemblingChannel(): number | undefined {
    return this.assembly.active ? this.assembly.cid : undefined;
  }

  /** True while a request is being assembled or a MSG_TIMEOUT waits to be taken: keep calling poll(). */
  get needsPoll(): boolean {
    return this.assembly.active || this.pending !== undefined;
  }

  /** The channel holding a CTAPHID LOCK at `now`, if any (§1.9). */
  lockHolder(now: number): number | undefined {
    return this.lockCid !== NO_CHANNEL && now < this.lockUntil ? this.lockCid : undefined;
  }

  /** Records a CTAPHID LOCK of `cid` for `durationMs` from `now`; 0 releases it (§1.9). The holder may renew it. */
  lock(cid: number, durationMs: number, now: number): void {
    if (durationMs > 0) {
      this.lockCid = cid;
      this.lockUntil = now + durationMs;
    } else if (cid === this.lockCid) {
      this.lockCid = NO_CHANNEL;
    }
  }

  /**
   * Forgets everything about `cid` (its partial request, busy mark, lock and pending timeout), or about
   * every channel when `cid` is omitted. Use it on INIT (§1.6), channel eviction (§1.4) and bus reset.
   */
  reset(cid?: number): void {
    if (cid === undefined || cid === this.assembly.cid) this.assembly.clear();
    if (cid === undefined || cid === this.busyChannel) this.busyChannel = undefined;
    if (cid === undefined || cid === this.lockCid) this.lockCid = NO_CHANNEL;
    if (cid === undefined || this.pending?.cid === cid) this.pending = undefined;
  }

  /** Takes one OUT report received at `now` (ms). Reports that are not exactly 64 bytes are dropped (§1.11 rule 1). */
  feed(report: Uint8Array, now: number): HidReceiveResult | undefined {
    this.expire(now);
    const result = report.length === HID_REPORT_SIZE ? this.accept(report, now) : undefined;
    // A result-less feed always drains the pending timeout, so a second one can never pile up behind it:
    // only a result-less feed can start the assembly that would later expire.
    return result ?? this.takePending();
  }

  /** Reports the MSG_TIMEOUT of a request whose next packet is overdue at `now` (§1.12). */
  poll(now: number): HidReceiveResult | undefined {
    this.expire(now);
    return this.takePending();
  }

  private expire(now: number): void {
    if (this.assembly.active && now - this.lastPacketAt > this.packetTimeoutMs) {
      this.pending = { type: 'error', cid: this.assembly.cid, code: HidError.MSG_TIMEOUT };
      this.assembly.clear();
    }
  }

  private takePending(): HidReceiveResult | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  private accept(report: Uint8Array, now: number): HidReceiveResult | undefined {
    const cid = readHidCid(report);
    const commandOrSeq = report[4] as number;
    if ((commandOrSeq & HID_INIT_BIT) === 0) return this.continuation(cid, report, now);
    return this.initialization(cid, commandOrSeq & ~HID_INIT_BIT, report, now);
  }

  /** §1.11 rule 2: continuation packets. */
  private continuation(cid: number, report: Uint8Array, now: number): HidReceiveResult | undefined {
    // Spurious: no request of this channel is being assembled (including channels answered CHANNEL_BUSY).
    if (cid !== this.assembly.cid) return undefined;
    if (!this.assembly.append(report)) {
      this.assembly.clear();
      return { type: 'error', cid, code: HidError.INVALID_SEQ };
    }
    this.lastPacketAt = now;
    if (!this.assembly.complete) return undefined;
    const cmd = this.assembly.cmd;
    return { type: 'message', cid, cmd, payload: this.assembly.take() };
  }

  /** §1.11 rules 3 to 9: initialization packets, checked in this order. */
  private initialization(cid: number, cmd: number, report: Uint8Array, now: number): HidReceiveResult | undefined {
    if (cid === HID_RESERVED_CID) return refuse(cid, cmd, HidError.INVALID_CHANNEL);
    if (cid === HID_BROADCAST_CID ? cmd !== HidCommand.INIT : !this.isAllocated(cid)) {
      return refuse(cid, cmd, HidError.INVALID_CHANNEL);
    }
    if (cid === this.assembly.cid) {
      // A new init packet on the channel being assembled ends that request. INIT resynchronises and is
      // then served; CANCEL just drops it; anything else is out of sequence.
      this.assembly.clear();
      if (cmd === HidCommand.CANCEL) return undefined;
      if (cmd !== HidCommand.INIT) return { type: 'error', cid, code: HidError.INVALID_SEQ };
    } else if (this.assembly.active) {
      return refuse(cid, cmd, HidError.CHANNEL_BUSY);
    }
    const holder = this.lockHolder(now);
    if (holder !== undefined && holder !== cid) return refuse(cid, cmd, HidError.LOCK_REQUIRED);
    const busy = this.busyChannel;
    if (busy !== undefined && (busy !== cid || (cmd !== HidCommand.INIT && cmd !== HidCommand.CANCEL))) {
      return refuse(cid, cmd, HidError.CHANNEL_BUSY);
    }
    const length = ((report[5] as number) << 8) | (report[6] as number);
    if (length > HID_MAX_MESSAGE_SIZE) return refuse(cid, cmd, HidError.INVALID_LEN);
    if (length <= HID_INIT_DATA_SIZE) {
      // A copy: the USB stack may reuse the report buffer.
      return { type: 'message', cid, cmd, payload: report.slice(HID_INIT_HEADER_SIZE, HID_INIT_HEADER_SIZE + length) };
    }
    this.assembly.start(cid, cmd, length, report);
    this.lastPacketAt = now;
    return undefined;
  }
}

/** CANCEL is never answered (§1.8): where it cannot be delivered it is dropped instead of refused. */
function refuse(cid: number, cmd: number, code: HidErrorCode): HidReceiveResult | undefined {
  return cmd === HidCommand.CANCEL ? undefined : { type: 'error', cid, code };
}
