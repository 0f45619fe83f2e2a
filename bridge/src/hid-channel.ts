/**
 * The host side of CTAPHID (docs/protocol.md §1) over any carrier of 64-byte reports: USB HID, the
 * simulator's UDP endpoint, an in-process simulator, WebHID. One HidChannel is one CTAPHID channel: it
 * allocates its CID with INIT, runs one transaction at a time from a FIFO queue, follows KEEPALIVE, cancels
 * with CANCEL and turns CTAPHID ERROR into TransportError.
 *
 * Recovery (§1.10, §1.12, §1.13), decided once here:
 * - CTAPHID ERRORs that refuse a request before it runs are retried as the spec asks: INVALID_CHANNEL (the key
 *   forgot the CID: power cycle, re-enumeration, eviction) allocates a new CID with INIT and resends, once;
 *   INVALID_SEQ, MSG_TIMEOUT and INVALID_LEN (the request was garbled on the way) resend it, once;
 *   CHANNEL_BUSY and LOCK_REQUIRED (another application has the key) resend it every 100 ms until the key
 *   takes it, the call is aborted or times out, or the key has been busy for the idle timeout. Other codes,
 *   a second failure and a key still busy when time runs out reject with HidTransportError.
 * - A framing error in the key's response, a reply to another command, an unanswered CANCEL and a silent key
 *   may leave the key mid-transaction or stale reports in flight. The call fails (PROTOCOL_VIOLATION,
 *   CANCELLED or TIMEOUT) and is never retried, because the key may have executed it (a HOTP counter or a new
 *   account cannot be undone); the next call first resynchronises with INIT on the same CID (§1.6), which
 *   also abandons whatever the key was still doing for this channel.
 * - After a CANCEL the key answers HKP status CANCELLED (CTAP2_ERR_KEEPALIVE_CANCEL for CBOR), which rejects the
 *   call with CANCELLED (or TIMEOUT); when it answers anything else it could not stop (§1.8), and the call
 *   settles with that answer, so a command that took effect is never reported as cancelled.
 *
 * HKP_MSG, CBOR and MSG (§9.3) share the one queue: a key runs one transaction per channel, whatever its kind.
 */
import {
  HID_BROADCAST_CID,
  HID_INIT_NONCE_SIZE,
  HID_MAX_MESSAGE_SIZE,
  HID_PROTOCOL_VERSION,
  HidCapability,
  HidCommand,
  HidError,
  type HidInitResponse,
  HidKeepaliveStatus,
  HidResponseReader,
  type HidResponseEvent,
  decodeHidInitResponse,
  encodeHidInitRequest,
  encodeHidMessage,
} from '@hkey/protocol';
import { HidTransportError, TransportError } from './errors.js';
import type { HidReportPort } from './hid-report-port.js';
import { ReportWriter } from './report-writer.js';
import { RequestScheduler, type RequestKind, ScheduledCall, type SchedulerOptions, isCancelledAnswer, noop, sameBytes } from './request-scheduler.js';
import type { ExchangeOptions } from './transport.js';

export interface HidChannelOptions extends SchedulerOptions {
  /** How long the key may stay silent during a call before it fails with TIMEOUT; every KEEPALIVE restarts it (§1.12). Default 30 s. */
  readonly idleTimeoutMs?: number;
}

export interface HidChannelOpenOptions extends HidChannelOptions {
  /** Cancels channel allocation. */
  readonly signal?: AbortSignal;
  /** Gives up allocation after this long (probing uses a short one). Default: the idle timeout. */
  readonly timeoutMs?: number;
}

/** §1.10: a host retries CHANNEL_BUSY and LOCK_REQUIRED after 100 ms or more. */
const BUSY_RETRY_MS = 100;
const EMPTY = new Uint8Array(0);
const KINDS: Partial<Record<number, RequestKind>> = { [HidCommand.HKP_MSG]: 'hkp', [HidCommand.CBOR]: 'ctap2', [HidCommand.MSG]: 'u2f' };

/**
 * Where a call is: waiting its turn; allocating a CID (INIT on broadcast); resynchronising its CID (INIT on
 * it); waiting for the response; waiting to resend to a busy key; waiting for the key to answer a CANCEL.
 */
type Phase = 'queued' | 'allocating' | 'resyncing' | 'waiting' | 'backoff' | 'cancelling';

/** What the channel must do before the next request: nothing, INIT on its CID, or get a CID at all. */
type LinkState = 'ready' | 'resync' | 'allocate';

class Call extends ScheduledCall {
  phase: Phase = 'queued';
  nonce: Uint8Array = EMPTY;
  /** Whether the one resend after INVALID_CHANNEL, and the one after a garbled request, have been used. */
  reallocated = false;
  resent = false;
  /** When the key first answered CHANNEL_BUSY or LOCK_REQUIRED to this call (0: not yet), and when to resend. */
  busySince = 0;
  retryAt = Infinity;
  /** The busy answer, reported instead of a bare TIMEOUT when time runs out while the key stays busy. */
  busyCode = 0;
}

/** A CTAPHID channel, scheduled by RequestScheduler. */
export class HidChannel extends RequestScheduler<Call> {
  private readonly broadcastReader = new HidResponseReader(HID_BROADCAST_CID);
  private reader: HidResponseReader;
  private link: LinkState = 'allocate';
  private init: HidInitResponse | undefined;
  private readonly writer: ReportWriter;
  private readonly stopReports: () => void;
  private readonly stopClose: () => void;

  private constructor(
    private readonly port: HidReportPort,
    options: HidChannelOptions,
  ) {
    super(options, HID_MAX_MESSAGE_SIZE);
    this.reader = this.broadcastReader;
    this.writer = new ReportWriter(port, (cause) => this.lose(new TransportError('DISCONNECTED', { cause })));
    this.stopReports = port.onReport(this.onReport);
    this.stopClose = port.onClose?.((cause) => this.lose(new TransportError('DISCONNECTED', { cause }))) ?? noop;
  }

  /** Allocates a channel on `port` (INIT on the broadcast CID with a fresh nonce). On failure the port is closed. */
  static async open(port: HidReportPort, options: HidChannelOpenOptions = {}): Promise<HidChannel> {
    const channel = new HidChannel(port, options);
    try {
      await channel.enqueue(HidCommand.INIT, EMPTY, { signal: options.signal, timeoutMs: options.timeoutMs });
    } catch (error) {
      await channel.close();
      throw error;
    }
    return channel;
  }

  /** The key's INIT response: CTAPHID version, firmware version and capability flags (§1.6). */
  get info(): HidInitResponse {
    return this.init as HidInitResponse;
  }

  /** The CID the key assigned to this channel. */
  get channelId(): number {
    return this.init?.cid ?? HID_BROADCAST_CID;
  }

  /** Sends one HKP request with HKP_MSG and resolves with the HKP response. */
  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.enqueue(HidCommand.HKP_MSG, message, options);
  }

  /** Sends one CTAP2 request (command byte + CBOR) with CTAPHID_CBOR and resolves with the status byte + CBOR (§9.3). */
  cbor(request: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.enqueue(HidCommand.CBOR, request, options);
  }

  /** Sends one U2F command APDU with CTAPHID_MSG and resolves with the response APDU (§9.3). */
  msg(apdu: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.enqueue(HidCommand.MSG, apdu, options);
  }

  /** Whether the key announced CTAPHID_CBOR in its INIT response (§1.6): it is a FIDO2 authenticator too. */
  get speaksCtap(): boolean {
    return ((this.init?.capabilities ?? 0) & HidCapability.CBOR) !== 0;
  }

  /** CTAPHID PING: the key echoes `data` (§1.5). */
  async ping(data: Uint8Array, options?: ExchangeOptions): Promise<void> {
    const echo = await this.enqueue(HidCommand.PING, data, options);
    if (!sameBytes(echo, data)) throw new TransportError('PROTOCOL_VIOLATION');
  }

  /** CTAPHID WINK: the key blinks its LED (§1.5). */
  async wink(options?: ExchangeOptions): Promise<void> {
    await this.enqueue(HidCommand.WINK, EMPTY, options);
  }

  protected createCall(cmd: number, payload: Uint8Array, options: ExchangeOptions | undefined): Call {
    return new Call(cmd, payload, options);
  }

  protected isOnKey(call: Call): boolean {
    return call.phase === 'waiting';
  }

  protected async closeLink(cancel: boolean): Promise<void> {
    // So the key stops waiting for a button nobody will see the result of.
    if (cancel) this.writer.write(encodeHidMessage(this.channelId, HidCommand.CANCEL, EMPTY));
    await this.writer.flushed();
    await this.port.close?.();
  }

  protected release(): Promise<void> | void {
    return this.port.close?.();
  }

  protected override shutdown(error: TransportError): void {
    this.stopReports();
    this.stopClose();
    super.shutdown(error);
  }

  protected start(call: Call): void {
    call.lastHeard = Date.now();
    this.armWatchdog(call.lastHeard + this.idleTimeoutMs);
    this.resume(call);
  }

  /** Sends the call's request, or first the INIT the channel needs. */
  private resume(call: Call): void {
    if (this.link === 'ready') this.sendRequest(call);
    else this.sendInit(call);
  }

  private sendInit(call: Call): void {
    const broadcast = this.link === 'allocate';
    call.phase = broadcast ? 'allocating' : 'resyncing';
    call.nonce = globalThis.crypto.getRandomValues(new Uint8Array(HID_INIT_NONCE_SIZE));
    const reader = broadcast ? this.broadcastReader : this.reader;
    // Drops a half-received stale response, so the INIT response is read from its first packet.
    reader.reset();
    this.writer.write(encodeHidMessage(reader.cid, HidCommand.INIT, encodeHidInitRequest(call.nonce)));
  }

  private sendRequest(call: Call): void {
    if (call.cmd === HidCommand.INIT) {
      // The allocation was the whole call (open()).
      return this.resolve(call, EMPTY);
    }
    call.phase = 'waiting';
    this.writer.write(encodeHidMessage(this.channelId, call.cmd, call.payload));
  }

  private readonly onReport = (report: Uint8Array): void => {
    const call = this.current;
    if (call === undefined) return;
    if (call.phase === 'allocating') {
      const event = this.broadcastReader.feed(report);
      if (event !== undefined) this.onInitEvent(call, event);
    } else {
      const event = this.reader.feed(report);
      if (event === undefined) {
        // A packet of a multi-packet response: the key is alive (§1.12 counts any packet on the channel).
        if (this.reader.receiving) call.lastHeard = Date.now();
        return;
      }
      if (call.phase === 'resyncing') this.onInitEvent(call, event);
      else this.onResponseEvent(call, event);
    }
  };

  private onInitEvent(call: Call, event: HidResponseEvent): void {
    switch (event.type) {
      case 'message': {
        // Anything else is a stale reply to an abandoned request, or another host's INIT response.
        if (event.cmd !== HidCommand.INIT) return;
        const init = decodeHidInitResponse(event.payload);
        if (init === undefined || !sameBytes(init.nonce, call.nonce)) return;
        if (init.protocolVersion !== HID_PROTOCOL_VERSION) {
          return this.fail(
            call,
            new TransportError('PROTOCOL_VIOLATION', { message: 'The device does not speak CTAPHID version 2, so it is not an HKP/1 key.' }),
          );
        }
        if (init.cid !== this.reader.cid) this.reader = new HidResponseReader(init.cid);
        this.init = init;
        this.link = 'ready';
        return this.sendRequest(call);
      }
      case 'error':
        return this.onError(call, event.code);
      case 'framing-error':
        return this.fail(call, new TransportError('PROTOCOL_VIOLATION'));
      case 'keepalive':
        return;
    }
  }

  private onResponseEvent(call: Call, event: HidResponseEvent): void {
    switch (event.type) {
      case 'keepalive':
        call.lastHeard = Date.now();
        if (call.phase === 'waiting') this.reportKeepalive(call, event.status === HidKeepaliveStatus.UPNEEDED);
        return;
      case 'message':
        if (call.phase === 'cancelling' && event.cmd === call.cmd && isCancelledAnswer(KINDS[call.cmd] ?? 'control', event.payload)) {
          return this.fail(call, this.giveUpError(call));
        }
        if (event.cmd !== call.cmd) {
          this.link = 'resync';
          return this.fail(call, new TransportError('PROTOCOL_VIOLATION'));
        }
        return this.resolve(call, event.payload);
      case 'error':
        if (call.phase === 'cancelling') return this.fail(call, this.giveUpError(call));
        return this.onError(call, event.code);
      case 'framing-error':
        this.link = 'resync';
        return this.fail(call, call.phase === 'cancelling' ? this.giveUpError(call) : new TransportError('PROTOCOL_VIOLATION'));
    }
  }

  /** An ERROR answered the request or the INIT before it: retry where §1.10 says it never ran, fail otherwise. */
  private onError(call: Call, code: number): void {
    switch (code) {
      case HidError.INVALID_CHANNEL:
        if (call.reallocated || call.phase === 'allocating') break;
        call.reallocated = true;
        this.link = 'allocate';
        return this.sendInit(call);
      case HidError.INVALID_SEQ:
      case HidError.MSG_TIMEOUT:
      case HidError.INVALID_LEN:
        if (call.resent) break;
        call.resent = true;
        return this.resume(call);
      case HidError.CHANNEL_BUSY:
      case HidError.LOCK_REQUIRED: {
        const now = Date.now();
        if (call.busySince === 0) call.busySince = now;
        call.busyCode = code;
        if (now - call.busySince >= this.idleTimeoutMs) break;
        call.phase = 'backoff';
        call.lastHeard = now;
        call.retryAt = now + BUSY_RETRY_MS;
        this.armWatchdog(call.retryAt);
        return;
      }
    }
    this.fail(call, new HidTransportError(code));
  }

  /** Abort or overall timeout of the running call. */
  protected abandon(call: Call): void {
    if (call.phase === 'waiting') {
      // The request is on the key: ask it to stop and wait (briefly) for its answer, so the next call finds it idle.
      call.phase = 'cancelling';
      call.graceUntil = Date.now() + this.cancelGraceMs;
      this.armWatchdog(call.graceUntil);
      this.writer.write(encodeHidMessage(this.channelId, HidCommand.CANCEL, EMPTY));
    } else if (call.phase === 'allocating' || call.phase === 'resyncing' || call.phase === 'backoff') {
      // Nothing is running on the key for this call; an INIT still in flight is told apart by its nonce.
      this.fail(call, call.givingUp === 'TIMEOUT' && call.phase === 'backoff' ? new HidTransportError(call.busyCode) : this.giveUpError(call));
    }
  }

  protected check(now: number): void {
    const call = this.current;
    if (call === undefined) return;
    if (call.phase === 'cancelling') {
      if (now >= call.graceUntil) {
        this.link = 'resync';
        this.fail(call, this.giveUpError(call));
      }
    } else if (call.phase === 'backoff') {
      if (now >= call.retryAt) {
        call.lastHeard = now;
        this.resume(call);
      }
    } else if (now - call.lastHeard >= this.idleTimeoutMs) {
      // The key went silent: no point waiting for a CANCEL answer, but send one in case it is merely slow.
      if (call.phase === 'waiting') this.writer.write(encodeHidMessage(this.channelId, HidCommand.CANCEL, EMPTY));
      this.link = 'resync';
      this.fail(call, new TransportError('TIMEOUT'));
    }
  }

  protected runningDue(): number {
    const call = this.current;
    if (call === undefined) return Infinity;
    if (call.phase === 'cancelling') return call.graceUntil;
    if (call.phase === 'backoff') return call.retryAt;
    return call.lastHeard + this.idleTimeoutMs;
  }
}
