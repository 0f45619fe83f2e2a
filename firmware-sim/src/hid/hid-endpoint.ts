/**
 * The key's USB HID interface (docs/protocol.md §1): CTAPHID channel allocation, INIT, PING, WINK, LOCK,
 * CANCEL, KEEPALIVE, the vendor command HKP_MSG and the security key's CBOR and MSG (§9.3), on top of the protocol
 * package's HidReceiver.
 * `Peer` is whatever identifies a host application to the carrier (a UDP address, a WebSocket client):
 * a channel belongs to the peer that allocated it, and its replies go there.
 */
import {
  HID_BROADCAST_CID,
  HID_PROTOCOL_VERSION,
  HID_REPORT_SIZE,
  HKP_HID_CAPABILITIES,
  HidCommand,
  HidError,
  HidKeepaliveStatus,
  HidReceiver,
  type HidReceiveResult,
  decodeHidInitRequest,
  decodeHidLockPayload,
  encodeHidErrorPayload,
  encodeHidInitResponse,
  encodeHidKeepalivePayload,
  encodeHidMessage,
  readHidCid,
} from '@hkey/protocol';
import { CommandInFlight, type CommandStatus } from '../core/command-in-flight.js';
import { Pacer } from '../core/pacer.js';
import type { HandleOptions, KeySession } from '../core/session.js';
import type { VirtualKey } from '../core/virtual-key.js';

export interface HidEndpointOptions {
  /** Longest gap between packets of one request (docs/protocol.md §1.12). */
  readonly packetTimeoutMs?: number;
  /** Channels kept before the least recently used one is reassigned (§1.4). */
  readonly maxChannels?: number;
  /** Interval of KEEPALIVE while a request is processed (§1.7: at most 100 ms). */
  readonly keepaliveMs?: number;
  /** Realistic timing: one report per this many milliseconds and direction (1 for full-speed USB); 0 is instant. */
  readonly reportIntervalMs?: number;
}

interface Channel<Peer> {
  readonly peer: Peer;
  lastUsed: number;
}

const FIRMWARE_VERSION = { major: 1, minor: 0, build: 0 };

export class HidEndpoint<Peer> {
  private readonly receiver: HidReceiver;
  private readonly channels = new Map<number, Channel<Peer>>();
  private readonly maxChannels: number;
  private send: ((report: Uint8Array, peer: Peer) => void) | undefined;
  private samePeer: (a: Peer, b: Peer) => boolean = Object.is;
  private session: KeySession | undefined;
  /** The transaction in flight, tagged with its CID. */
  private readonly transaction: CommandInFlight<number>;
  private cancelPoll: (() => void) | undefined;
  private readonly unsubscribe: () => void;
  private readonly inbound: Pacer | undefined;
  private readonly outbound: Pacer | undefined;

  constructor(
    private readonly key: VirtualKey,
    options: HidEndpointOptions = {},
  ) {
    this.maxChannels = options.maxChannels ?? 64;
    this.transaction = new CommandInFlight(key, 'hid', options.keepaliveMs ?? 75, (cid, status) => this.sendKeepalive(cid, status));
    this.receiver = new HidReceiver({ packetTimeoutMs: options.packetTimeoutMs, isAllocated: (cid) => this.channels.has(cid) });
    if (options.reportIntervalMs) {
      this.inbound = new Pacer(key.clock, options.reportIntervalMs);
      this.outbound = new Pacer(key.clock, options.reportIntervalMs);
    }
    // A power cut or unplug re-enumerates the interface: channels and the session are gone.
    this.unsubscribe = key.events.subscribe((event) => {
      if (event.type === 'power' && event.state === 'off') this.reset();
    });
  }

  /**
   * Connects the interface to a carrier; the key's HID session starts. `samePeer` tells whether two peers are one
   * host application, for carriers whose peers are values rather than objects kept for the connection.
   */
  attach(send: (report: Uint8Array, peer: Peer) => void, samePeer: (a: Peer, b: Peer) => boolean = Object.is): void {
    this.send = send;
    this.samePeer = samePeer;
  }

  /** The host applications holding channels, one entry each (for displays such as the dashboard). */
  get clients(): Peer[] {
    const peers: Peer[] = [];
    for (const { peer } of this.channels.values()) if (!peers.some((known) => this.samePeer(known, peer))) peers.push(peer);
    return peers;
  }

  /** The host application whose request is in flight, if any. */
  get servingClient(): Peer | undefined {
    const cid = this.transaction.tag;
    return cid === undefined ? undefined : this.channels.get(cid)?.peer;
  }

  /** Disconnects the carrier: the session ends, channels are forgotten. */
  detach(): void {
    this.reset();
    this.send = undefined;
    this.unsubscribe();
  }

  /** One OUT report from `peer`. Never throws. */
  receive(report: Uint8Array, peer: Peer): void {
    if (this.send === undefined || !this.key.isPowered) return;
    if (this.inbound) this.inbound.run(() => this.arrive(report, peer));
    else this.arrive(report, peer);
  }

  private arrive(report: Uint8Array, peer: Peer): void {
    const delivery = this.key.linkFaults.apply('in', 'hid', report, (packet) => this.accept(packet, peer));
    if (delivery === 'disconnect') this.reset();
  }

  private accept(report: Uint8Array, peer: Peer): void {
    if (this.key.events.traceFrames)
      this.key.events.emit({ type: 'frame', direction: 'in', transport: 'hid', bytes: report.length, header: describeReport(report) });
    if (report.length === HID_REPORT_SIZE && this.refuseForeign(report, peer)) return;
    const now = this.key.clock.now();
    const result = this.receiver.feed(report, now);
    if (result !== undefined) this.dispatch(result, peer);
    this.armPoll();
  }

  /**
   * A packet on a channel another peer allocated is answered INVALID_CHANNEL and goes no further, so it can
   * neither take the channel's replies nor disturb the owner's request (docs/protocol.md §8.1).
   */
  private refuseForeign(report: Uint8Array, peer: Peer): boolean {
    const cid = readHidCid(report);
    const channel = this.channels.get(cid);
    if (channel === undefined || this.samePeer(channel.peer, peer)) return false;
    this.error(cid, HidError.INVALID_CHANNEL, peer);
    return true;
  }

  /** While a request is being assembled, check for its inter-packet timeout (§1.12). */
  private armPoll(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    if (!this.receiver.needsPoll) return;
    this.cancelPoll = this.key.clock.setTimer(100, () => {
      this.cancelPoll = undefined;
      const result = this.receiver.poll(this.key.clock.now());
      if (result !== undefined) this.dispatch(result, undefined);
      this.armPoll();
    });
  }

  private dispatch(result: HidReceiveResult, peer: Peer | undefined): void {
    const channel = this.channels.get(result.cid);
    const replyTo = peer ?? channel?.peer;
    if (replyTo === undefined) return;
    if (channel) channel.lastUsed = this.key.clock.now();
    if (result.type === 'error') {
      this.reply(result.cid, HidCommand.ERROR, encodeHidErrorPayload(result.code), replyTo);
      return;
    }
    const { cid, cmd, payload } = result;
    switch (cmd) {
      case HidCommand.INIT:
        return this.init(cid, payload, replyTo);
      case HidCommand.PING:
        return this.reply(cid, HidCommand.PING, payload, replyTo);
      case HidCommand.WINK:
        if (payload.length !== 0) return this.error(cid, HidError.INVALID_LEN, replyTo);
        this.key.events.emit({ type: 'wink' });
        return this.reply(cid, HidCommand.WINK, new Uint8Array(0), replyTo);
      case HidCommand.LOCK: {
        const lock = decodeHidLockPayload(payload);
        if (!lock.ok) return this.error(cid, lock.code, replyTo);
        this.receiver.lock(cid, lock.seconds * 1000, this.key.clock.now());
        return this.reply(cid, HidCommand.LOCK, new Uint8Array(0), replyTo);
      }
      case HidCommand.CANCEL:
        // §1.8: CANCEL is never answered; the cancelled request answers CANCELLED.
        if (this.transaction.tag === cid) this.transaction.cancel();
        return;
      case HidCommand.HKP_MSG:
        return this.runTransaction(cid, HidCommand.HKP_MSG, replyTo, (options) => this.openSession().handle(payload, options));
      case HidCommand.CBOR:
        if (payload.length === 0) return this.error(cid, HidError.INVALID_LEN, replyTo);
        return this.runTransaction(cid, HidCommand.CBOR, replyTo, (options) => this.openSession().ctap(payload, options));
      case HidCommand.MSG:
        return this.runTransaction(cid, HidCommand.MSG, replyTo, (options) => this.openSession().u2f(payload, options));
      default:
        return this.error(cid, HidError.INVALID_CMD, replyTo);
    }
  }

  /** §1.6: allocate a channel on the broadcast CID, or resynchronise an existing one. */
  private init(cid: number, payload: Uint8Array, peer: Peer): void {
    const nonce = decodeHidInitRequest(payload);
    if (nonce === undefined) return this.error(cid, HidError.INVALID_LEN, peer);
    let assigned = cid;
    let abandoned: Promise<void> | undefined;
    if (cid === HID_BROADCAST_CID) {
      assigned = this.allocate(peer);
    } else {
      if (this.transaction.tag === cid) abandoned = this.abortTransaction();
      this.receiver.reset(cid);
    }
    const response = encodeHidInitResponse({
      nonce,
      cid: assigned,
      protocolVersion: HID_PROTOCOL_VERSION,
      majorVersion: FIRMWARE_VERSION.major,
      minorVersion: FIRMWARE_VERSION.minor,
      buildVersion: FIRMWARE_VERSION.build,
      capabilities: HKP_HID_CAPABILITIES,
    });
    // Answer only once the key has let go of the abandoned command, so the host's next request is not refused busy.
    if (abandoned) void abandoned.then(() => this.reply(cid, HidCommand.INIT, response, peer));
    else this.reply(cid, HidCommand.INIT, response, peer);
  }

  private allocate(peer: Peer): number {
    if (this.channels.size >= this.maxChannels) {
      // Reassign the least recently used channel that is not serving a request: the asking peer's own first, so
      // one application opening channels in a loop cannot push the others out; anyone's if it holds none.
      const oldest = this.leastRecentlyUsed((owner) => this.samePeer(owner, peer)) ?? this.leastRecentlyUsed(() => true);
      if (oldest !== undefined) {
        this.channels.delete(oldest);
        this.receiver.reset(oldest);
      }
    }
    const bytes = new Uint8Array(4);
    let cid = 0;
    do {
      this.key.randomFill(bytes);
      cid = ((bytes[0] as number) << 24) | ((bytes[1] as number) << 16) | ((bytes[2] as number) << 8) | (bytes[3] as number);
      cid >>>= 0;
    } while (cid === 0 || cid === HID_BROADCAST_CID || this.channels.has(cid));
    this.channels.set(cid, { peer, lastUsed: this.key.clock.now() });
    return cid;
  }

  private leastRecentlyUsed(eligible: (owner: Peer) => boolean): number | undefined {
    let oldest: [number, Channel<Peer>] | undefined;
    for (const entry of this.channels) {
      if (entry[0] !== this.transaction.tag && eligible(entry[1].peer) && (oldest === undefined || entry[1].lastUsed < oldest[1].lastUsed)) oldest = entry;
    }
    return oldest?.[0];
  }

  /** Runs one request of `cmd` on the key, with KEEPALIVE while it works and CANCEL reaching its button wait. */
  /** The interface's one HKP session, opened by its first command. */
  private openSession(): KeySession {
    return (this.session ??= this.key.openSession('hid'));
  }

  private runTransaction(cid: number, cmd: number, peer: Peer, serve: (options: HandleOptions) => Promise<Uint8Array | undefined>): void {
    if (this.transaction.refusedByFault()) return this.error(cid, HidError.CHANNEL_BUSY, peer);
    this.receiver.busyChannel = cid;
    this.transaction.run(cid, serve, (response) => {
      this.receiver.busyChannel = undefined;
      if (response !== undefined) this.reply(cid, cmd, response, this.channels.get(cid)?.peer ?? peer);
    });
  }

  /** KEEPALIVE for the transaction in flight (§1.7). */
  private sendKeepalive(cid: number, status: CommandStatus): boolean {
    const peer = this.channels.get(cid)?.peer;
    const code = status === 'user-presence' ? HidKeepaliveStatus.UPNEEDED : HidKeepaliveStatus.PROCESSING;
    if (peer !== undefined) this.reply(cid, HidCommand.KEEPALIVE, encodeHidKeepalivePayload(code), peer);
    return true;
  }

  private abortTransaction(): Promise<void> | undefined {
    this.receiver.busyChannel = undefined;
    return this.transaction.abandon();
  }

  private error(cid: number, code: number, peer: Peer): void {
    this.reply(cid, HidCommand.ERROR, encodeHidErrorPayload(code), peer);
  }

  private reply(cid: number, cmd: number, payload: Uint8Array, peer: Peer): void {
    const send = this.send;
    if (send === undefined) return;
    for (const report of encodeHidMessage(cid, cmd, payload)) {
      if (this.key.events.traceFrames)
        this.key.events.emit({ type: 'frame', direction: 'out', transport: 'hid', bytes: report.length, header: describeReport(report) });
      const transmit = (packet: Uint8Array): void => (this.outbound ? this.outbound.run(() => send(packet, peer)) : send(packet, peer));
      const delivery = this.key.linkFaults.apply('out', 'hid', report, transmit);
      if (delivery === 'disconnect') {
        this.reset();
        return;
      }
    }
  }

  /** Re-enumeration (unplug and re-plug): every channel, lock and partial request is forgotten and the HID session ends. */
  reset(): void {
    this.transaction.stop();
    this.receiver.busyChannel = undefined;
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    this.channels.clear();
    this.receiver.reset();
    this.inbound?.clear();
    this.outbound?.clear();
    this.session?.close();
    this.session = undefined;
  }
}

/** Header fields only: payloads can hold secrets (docs/protocol.md §6.4). */
function describeReport(report: Uint8Array): string {
  if (report.length < 5) return `short report (${report.length} bytes)`;
  const cid = (((report[0] as number) << 24) | ((report[1] as number) << 16) | ((report[2] as number) << 8) | (report[3] as number)) >>> 0;
  const byte = report[4] as number;
  if (byte & 0x80) return `cid=${cid.toString(16).padStart(8, '0')} cmd=0x${(byte & 0x7f).toString(16)} bcnt=${((report[5] ?? 0) << 8) | (report[6] ?? 0)}`;
  return `cid=${cid.toString(16).padStart(8, '0')} seq=${byte}`;
}
