/**
 * The host side of HKP over Bluetooth LE (docs/protocol.md §2) over any GattConnection: the simulator's BLE
 * link, noble, Web Bluetooth. One BleChannel is one BLE connection, and so one HKP session: it cuts requests
 * into control point writes, reassembles the status notifications, follows KEEPALIVE, cancels with CANCEL and
 * turns ERROR into TransportError. Requests run one at a time from a FIFO queue (RequestScheduler).
 *
 * Recovery, decided once here:
 * - ERROR INVALID_SEQ, INVALID_LEN and REQ_TIMEOUT mean the request arrived garbled and never ran: it is
 *   written again, once (§2.8). Other codes, and a second failure, reject the call.
 * - BLE fragments carry no transaction id, so an answer belongs to a request only by order. When a request is
 *   left without its answer (given up, timed out, answered with broken framing or with another command), or the
 *   key answers BUSY (an earlier request of this connection still runs), the link is out of step: before the
 *   next write the channel sends CANCEL, then waits until the old answer has come (and drops it) or the key has
 *   been silent for 300 ms, which a key working on a request never is (KEEPALIVE every 100 ms, §2.6). A call
 *   that cannot get the key's attention for the idle timeout fails with DEVICE_BUSY or TIMEOUT.
 * - After a CANCEL the key answers status CANCELLED, which rejects the call with CANCELLED (or TIMEOUT); any
 *   other answer means it could not stop (§2.7), and the call settles with that answer, so a command that took
 *   effect is never reported as cancelled.
 * - When the MTU shrinks under a message being written, its remaining fragments no longer fit and the key drops
 *   them (§2.3): the channel drops the part the key holds with CANCEL (§2.9 rule 3) and writes the message
 *   again, cut anew. When the change is reported after the last fragment, the key may have dropped some or all
 *   of them; a key that has the whole message answers or sends KEEPALIVE within 100 ms (§2.6), so one that
 *   stays silent for 300 ms gets the same CANCEL and the message again.
 *
 * The same channel serves the FIDO service (§2.12, CTAP 2.1 §11.4), whose framing is identical: MSG carries a CTAP2
 * request or a U2F APDU instead of an HKP request, and a cancelled CTAP2 request is answered KEEPALIVE_CANCEL
 * (`BleService` 'fido'). A connection to a key with both services has one channel on each; the HKP channel owns
 * the connection and closes it.
 *
 * BLE ERROR codes have no TransportError codes of their own yet: BUSY becomes DEVICE_BUSY, REQ_TIMEOUT
 * TIMEOUT, the others PROTOCOL_VIOLATION, each with a message naming the BLE code.
 */
import {
  BLE_ATT_HEADER_SIZE,
  BLE_DEFAULT_ATT_MTU,
  BLE_MAX_ATT_MTU,
  BLE_MAX_MESSAGE_SIZE,
  BleCommand,
  BleError,
  BleKeepaliveStatus,
  BleReassembler,
  type BleReceiveResult,
  encodeBleMessage,
} from '@hkey/protocol';
import { BLE_SERVICE_CHARACTERISTICS, type BleServiceCharacteristics, prepareBleService } from './ble-service.js';
import { BleTransportError, BridgeError, TransportError } from './errors.js';
import type { BleService, GattConnection } from './gatt-connection.js';
import { RequestScheduler, type RequestKind, ScheduledCall, type SchedulerOptions, isCancelledAnswer, noop, sameBytes } from './request-scheduler.js';
import type { ExchangeOptions } from './transport.js';

/** The CLA byte that starts every U2F request APDU; no CTAP2 command byte is 0x00 (§2.12). */
const U2F_CLA = 0x00;

/** What a MSG carries: an HKP request, or on the FIDO service a CTAP2 request or a U2F APDU (§2.12). */
function requestKind(service: BleService, call: BleCall): RequestKind {
  if (call.cmd !== BleCommand.MSG) return 'control';
  if (service === 'hkp') return 'hkp';
  return call.payload[0] === U2F_CLA ? 'u2f' : 'ctap2';
}

export interface BleChannelOptions extends SchedulerOptions {
  /** How long the key may stay silent during a call before it fails with TIMEOUT; every notification restarts it (§2.10). Default 30 s. */
  readonly idleTimeoutMs?: number;
}
/** Silence that proves the key runs no request of this connection: 3 × the longest KEEPALIVE gap (§2.6). */
const QUIET_MS = 300;
/** How often a partly received notification is checked for its REQ_TIMEOUT (§2.9). */
const POLL_MS = 100;
const CANCEL = Uint8Array.of(BleCommand.CANCEL, 0, 0);

/**
 * Where a call is: waiting its turn; waiting for the link to get back in step; writing its fragments; waiting
 * for the answer; waiting for the key to answer a CANCEL.
 */
type Phase = 'queued' | 'draining' | 'sending' | 'waiting' | 'cancelling';

class BleCall extends ScheduledCall {
  phase: Phase = 'queued';
  /** When the call first had to wait for the link to get back in step (0: never); it may wait for the idle timeout. */
  drainingSince = 0;
  /** Whether the key answered BUSY, which decides the error when the wait is over. */
  busy = false;
  /** Counts transmissions: the writer of an older one stops at its next fragment. */
  attempt = 0;
  /** The fragment size of the current transmission; an MTU change below it sets `restart` (or `unsure`, once written). */
  cutSize = 0;
  restart = false;
  /** When the last fragment was written, and whether the key has been heard from since. */
  sentAt = 0;
  heardSinceSent = false;
  /** The MTU shrank after the fragments were cut: the key may not have the whole message. */
  unsure = false;
  /** Whether the one resend after a garbled request has been used. */
  resent = false;
}

/** Bytes per fragment for an MTU (§2.3); stacks that report nothing usable count as the default 23. */
function fragmentSizeFor(mtu: number, controlPointLength: number): number {
  const usable = Number.isInteger(mtu) ? Math.min(Math.max(mtu, BLE_DEFAULT_ATT_MTU), BLE_MAX_ATT_MTU) : BLE_DEFAULT_ATT_MTU;
  return Math.min(controlPointLength, usable - BLE_ATT_HEADER_SIZE);
}

/** A BLE channel, scheduled by RequestScheduler. */
export class BleChannel extends RequestScheduler<BleCall> {
  private readonly reassembler = new BleReassembler();
  /** A request was left without its answer: the next call gets the link back in step first. */
  private outOfStep = false;
  /** The last write; the next waits for it, because GATT stacks take one write at a time, in order. */
  private writing: Promise<void> = Promise.resolve();
  private readonly stopListening: readonly (() => void)[];
  private readonly characteristics: BleServiceCharacteristics;

  private constructor(
    private readonly connection: GattConnection,
    /** The largest control point write the key accepts (§2.2). */
    readonly controlPointLength: number,
    options: BleChannelOptions,
    /** The service the channel runs on. */
    readonly service: BleService,
  ) {
    super(options, BLE_MAX_MESSAGE_SIZE);
    this.characteristics = BLE_SERVICE_CHARACTERISTICS[service];
    this.stopListening = [
      connection.onNotify((value, characteristic) => {
        if (characteristic === this.characteristics.status) this.onNotify(value);
      }),
      connection.onDisconnect((reason) =>
        this.lose(new TransportError('DISCONNECTED', { message: `The key disconnected (${reason}); reconnect it and open it again.` })),
      ),
      connection.onMtuChange?.((mtu) => this.onMtuChange(mtu)) ?? noop,
    ];
  }

  /**
   * Prepares `service` on a connected key (prepareBleService: revision, notifications, control point length) and
   * starts a channel on it; undefined for a FIDO service without FIDO2. On failure the connection is closed.
   */
  static async open(connection: GattConnection, options?: BleChannelOptions): Promise<BleChannel>;
  static async open(connection: GattConnection, options: BleChannelOptions | undefined, service: BleService): Promise<BleChannel | undefined>;
  static async open(connection: GattConnection, options: BleChannelOptions = {}, service: BleService = 'hkp'): Promise<BleChannel | undefined> {
    let length: number | undefined;
    try {
      length = await prepareBleService(connection, service);
    } catch (error) {
      await closeQuietly(connection);
      throw error instanceof BridgeError ? error : new TransportError('DISCONNECTED', { cause: error });
    }
    return length === undefined ? undefined : new BleChannel(connection, length, options, service);
  }

  /** The ATT_MTU in force. */
  get mtu(): number {
    return this.connection.mtu;
  }

  /** The size of the fragments the next message is cut into: min(control point length, ATT_MTU − 3) (§2.3). */
  get fragmentSize(): number {
    return fragmentSizeFor(this.connection.mtu, this.controlPointLength);
  }

  /** Sends one MSG and resolves with the key's MSG answer: an HKP request and response, or on the FIDO service a CTAP2 request or U2F APDU and its answer. */
  exchange(message: Uint8Array, options?: ExchangeOptions): Promise<Uint8Array> {
    return this.enqueue(BleCommand.MSG, message, options);
  }

  /** BLE PING: the key echoes `data` (§2.5). */
  async ping(data: Uint8Array, options?: ExchangeOptions): Promise<void> {
    const echo = await this.enqueue(BleCommand.PING, data, options);
    if (!sameBytes(echo, data))
      throw new TransportError('PROTOCOL_VIOLATION', {
        message: 'The key answered PING with other bytes; reconnect it, and report the problem if it persists.',
      });
  }

  protected createCall(cmd: number, payload: Uint8Array, options: ExchangeOptions | undefined): BleCall {
    return new BleCall(cmd, payload, options);
  }

  protected isOnKey(call: BleCall): boolean {
    return call.phase !== 'draining';
  }

  protected async closeLink(cancel: boolean): Promise<void> {
    // So the key stops waiting for a button nobody will see the result of.
    if (cancel) this.writing = this.writing.then(() => this.send(CANCEL)).catch(noop);
    await this.writing;
    await this.release();
  }

  protected start(call: BleCall): void {
    if (this.outOfStep) this.drain(call);
    else this.transmit(call);
  }

  /** Gets the link back in step before `call` (see the file comment). */
  private drain(call: BleCall): void {
    const now = Date.now();
    call.phase = 'draining';
    call.lastHeard = now;
    if (call.drainingSince === 0) call.drainingSince = now;
    void this.write(CANCEL);
    this.armWatchdog(now + QUIET_MS);
  }

  private transmit(call: BleCall): void {
    call.phase = 'sending';
    call.lastHeard = Date.now();
    this.armWatchdog(call.lastHeard + this.idleTimeoutMs);
    void this.writeMessage(call, ++call.attempt);
  }

  private async writeMessage(call: BleCall, attempt: number): Promise<void> {
    const stillSending = (): boolean => this.current === call && call.attempt === attempt && call.phase === 'sending';
    call.cutSize = this.fragmentSize;
    call.restart = false;
    let fragments = encodeBleMessage(call.cmd, call.payload, call.cutSize);
    for (let index = 0; index < fragments.length; index++) {
      if (index > 0 && (call.givingUp !== undefined || call.restart)) {
        // The key holds the first part of the message; CANCEL drops it without an answer (§2.9 rule 3).
        await this.write(CANCEL);
        if (!stillSending()) return;
        if (call.givingUp !== undefined) return this.fail(call, this.giveUpError(call));
        call.cutSize = this.fragmentSize;
        call.restart = false;
        fragments = encodeBleMessage(call.cmd, call.payload, call.cutSize);
        index = -1;
        continue;
      }
      await this.write(fragments[index] as Uint8Array);
      if (!stillSending()) return;
    }
    // The key's KEEPALIVE cadence starts at the last fragment (§2.6).
    call.lastHeard = call.sentAt = Date.now();
    call.heardSinceSent = false;
    call.unsure = false;
    if (call.givingUp !== undefined) return this.startCancel(call);
    call.phase = 'waiting';
  }

  /** Abort or overall timeout of the running call. */
  protected abandon(call: BleCall): void {
    // Nothing of it has reached the key yet.
    if (call.phase === 'draining') this.fail(call, this.giveUpError(call));
    else if (call.phase === 'waiting') this.startCancel(call);
    // While 'sending', the writer notices at its next fragment.
  }

  private startCancel(call: BleCall): void {
    call.phase = 'cancelling';
    call.graceUntil = Date.now() + this.cancelGraceMs;
    void this.write(CANCEL);
    this.armWatchdog(call.graceUntil);
  }

  private onNotify(value: Uint8Array): void {
    const now = Date.now();
    const result = this.reassembler.feed(value, now);
    const call = this.current;
    // Any notification shows the key is alive (§2.10).
    if (call !== undefined) {
      call.lastHeard = now;
      call.heardSinceSent = true;
    }
    if (this.reassembler.needsPoll) this.armWatchdog(now + POLL_MS);
    if (result !== undefined) this.onResult(result);
  }

  private onResult(result: BleReceiveResult): void {
    const call = this.current;
    if (call === undefined || call.phase === 'draining') return this.onStray(result, call);
    if (result.type === 'error') {
      // The key's fragments broke the rules of §2.9: the rest of its answer may still be on the way.
      this.outOfStep = true;
      return this.fail(call, call.phase === 'cancelling' ? this.giveUpError(call) : new TransportError('PROTOCOL_VIOLATION'));
    }
    if (result.cmd === BleCommand.KEEPALIVE) {
      if (call.phase !== 'cancelling') this.reportKeepalive(call, result.payload[0] === BleKeepaliveStatus.UP_NEEDED);
      return;
    }
    if (result.cmd === BleCommand.ERROR) {
      if (call.phase === 'cancelling') return this.fail(call, this.giveUpError(call));
      return this.onError(call, result.payload[0] ?? BleError.OTHER);
    }
    if (result.cmd !== call.cmd) {
      // The answer of a request given up earlier, or a confused key.
      this.outOfStep = true;
      return this.fail(call, call.phase === 'cancelling' ? this.giveUpError(call) : new TransportError('PROTOCOL_VIOLATION'));
    }
    if (call.phase === 'cancelling' && isCancelledAnswer(requestKind(this.service, call), result.payload)) {
      return this.fail(call, this.giveUpError(call));
    }
    this.resolve(call, result.payload);
  }

  /** A message no request waits for: the answer of one given up (which puts the link back in step), or its KEEPALIVE. */
  private onStray(result: BleReceiveResult, draining: BleCall | undefined): void {
    if (result.type === 'error' || result.cmd === BleCommand.KEEPALIVE) return;
    this.outOfStep = false;
    if (draining !== undefined) this.transmit(draining);
  }

  /** An ERROR answered the request: resend where §2.8 says it never ran, fail otherwise. */
  private onError(call: BleCall, code: number): void {
    switch (code) {
      case BleError.INVALID_SEQ:
      case BleError.INVALID_LEN:
      case BleError.REQ_TIMEOUT:
        if (call.resent) break;
        call.resent = true;
        return this.transmit(call);
      case BleError.BUSY:
        // An earlier request of this connection still runs (§2.5): wait for its answer, then resend.
        call.busy = true;
        this.outOfStep = true;
        return this.drain(call);
    }
    this.fail(call, new BleTransportError(code));
  }

  private onMtuChange(mtu: number): void {
    const call = this.current;
    if (call === undefined || fragmentSizeFor(mtu, this.controlPointLength) >= call.cutSize) return;
    if (call.phase === 'sending') call.restart = true;
    else if (call.phase === 'waiting' && !call.heardSinceSent) {
      call.unsure = true;
      this.armWatchdog(call.sentAt + QUIET_MS);
    }
  }

  protected check(now: number): void {
    if (this.reassembler.needsPoll) {
      const result = this.reassembler.poll(now);
      if (result !== undefined) this.onResult(result);
    }
    const call = this.current;
    if (call === undefined) return;
    switch (call.phase) {
      case 'draining':
        if (now - call.drainingSince >= this.idleTimeoutMs)
          return this.fail(call, call.busy ? new BleTransportError(BleError.BUSY) : new TransportError('TIMEOUT'));
        if (now - call.lastHeard < QUIET_MS) return;
        this.outOfStep = false;
        return this.transmit(call);
      case 'sending':
      case 'waiting':
        if (call.unsure && !call.heardSinceSent && now - call.sentAt >= QUIET_MS) {
          // The key does not have the whole message (see the file comment).
          void this.write(CANCEL);
          return this.transmit(call);
        }
        if (now - call.lastHeard < this.idleTimeoutMs) return;
        // The key went silent: no point waiting for a CANCEL answer, but send one in case it is merely slow.
        void this.write(CANCEL);
        this.outOfStep = true;
        return this.fail(call, new TransportError('TIMEOUT'));
      case 'cancelling':
        if (now < call.graceUntil) return;
        this.outOfStep = true;
        return this.fail(call, this.giveUpError(call));
    }
  }

  protected runningDue(now: number): number {
    let due = this.reassembler.needsPoll ? now + POLL_MS : Infinity;
    const call = this.current;
    if (call?.phase === 'draining') due = Math.min(due, call.lastHeard + QUIET_MS, call.drainingSince + this.idleTimeoutMs);
    else if (call?.phase === 'sending' || call?.phase === 'waiting') {
      due = Math.min(due, call.lastHeard + this.idleTimeoutMs, call.unsure && !call.heardSinceSent ? call.sentAt + QUIET_MS : Infinity);
    } else if (call?.phase === 'cancelling') due = Math.min(due, call.graceUntil);
    return due;
  }

  /** Queues one control point write; a failed write means the link is gone. Resolves either way. */
  private write(value: Uint8Array): Promise<void> {
    if (this.closed) return this.writing;
    const written = this.writing.then(() => this.send(value)).catch((error: unknown) => this.lose(new TransportError('DISCONNECTED', { cause: error })));
    this.writing = written;
    return written;
  }

  /**
   * One control point write. A value the stack or the key refuses for its length (after an MTU change) is dropped,
   * as a Write Command is on air (§2.3): the MTU handling above writes the message again.
   */
  private async send(value: Uint8Array): Promise<void> {
    const { controlPoint, writeWithResponse } = this.characteristics;
    try {
      await this.connection.write(value, writeWithResponse, controlPoint);
    } catch (error) {
      if (error instanceof BridgeError && (error.code === 'GATT_INVALID_LENGTH' || error.code === 'GATT_WRITE_TOO_LONG')) return;
      throw error;
    }
  }

  /** Disconnects, when this channel owns the connection (the HKP channel does; the FIDO channel shares it). */
  protected release(): Promise<void> {
    return this.service === 'hkp' ? this.connection.close() : Promise.resolve();
  }

  protected override shutdown(error: TransportError): void {
    for (const stop of this.stopListening) stop();
    this.reassembler.reset();
    super.shutdown(error);
  }
}

/** The link is going or gone: a connection that fails to close has nothing left to report. */
async function closeQuietly(connection: GattConnection): Promise<void> {
  try {
    await connection.close();
  } catch {
    // See above.
  }
}
