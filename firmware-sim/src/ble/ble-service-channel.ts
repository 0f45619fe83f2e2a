/**
 * The framing of one GATT service on one BLE connection (docs/protocol.md §2.4 to §2.10): its reassembler, its
 * MSG in flight with KEEPALIVE and CANCEL, and its notifications. The HKP service and the FIDO service (§2.12)
 * each have one per connection; they differ only in how a complete MSG is served.
 */
import { BleCommand, BleError, type BleErrorCode, BleKeepaliveStatus, BleReassembler, encodeBleMessage } from '@hkey/protocol';
import { CommandInFlight, type CommandStatus } from '../core/command-in-flight.js';
import type { HandleOptions } from '../core/session.js';
import type { VirtualKey } from '../core/virtual-key.js';

/** Serves one complete MSG: its response (undefined when the key lost power: nothing is sent), or an ERROR code to answer at once. */
export type BleMessageServer = (payload: Uint8Array, options: HandleOptions) => Promise<Uint8Array | undefined> | BleErrorCode;

/** What a channel needs from the connection it belongs to. */
export interface BleChannelLink {
  readonly key: VirtualKey;
  readonly connected: boolean;
  readonly fragmentSize: number;
  /** Sends one fragment through the link's faults and pacing to `notify`; false when the link dropped. */
  transmit(fragment: Uint8Array, notify: (value: Uint8Array) => void): boolean;
}

export interface BleServiceChannelOptions {
  /** Put before the header of this channel's traced frames, so two services' traffic can be told apart. */
  readonly traceLabel: string;
  readonly keepaliveMs: number;
  readonly fragmentTimeoutMs?: number;
}

export class BleServiceChannel {
  private subscribed = false;
  private readonly reassembler: BleReassembler;
  private readonly inFlight: CommandInFlight<undefined>;
  private cancelPoll: (() => void) | undefined;

  constructor(
    private readonly link: BleChannelLink,
    private readonly serve: BleMessageServer,
    /** Notifies the host on this service's status characteristic. */
    private readonly notify: (value: Uint8Array) => void,
    private readonly options: BleServiceChannelOptions,
  ) {
    this.reassembler = new BleReassembler({ fragmentTimeoutMs: options.fragmentTimeoutMs });
    this.inFlight = new CommandInFlight(link.key, 'ble', options.keepaliveMs, (_, status) => this.sendKeepalive(status));
  }

  /** The host enables or disables notifications of the status characteristic. */
  subscribe(enable: boolean): void {
    this.subscribed = enable;
  }

  /** One control point value, after the link's pacing and faults. */
  accept(fragment: Uint8Array): void {
    const key = this.link.key;
    if (key.events.traceFrames) key.events.emit({ type: 'frame', direction: 'in', transport: 'ble', bytes: fragment.length, header: this.describe(fragment) });
    const result = this.reassembler.feed(fragment, key.clock.now());
    this.armPoll();
    if (result === undefined) return;
    if (result.type === 'error') return this.sendError(result.code);
    switch (result.cmd) {
      case BleCommand.PING:
        return this.send(BleCommand.PING, result.payload);
      case BleCommand.CANCEL:
        return this.inFlight.cancel();
      case BleCommand.MSG:
        return this.message(result.payload);
      default:
        return this.sendError(BleError.INVALID_CMD);
    }
  }

  /** The connection ends: a partial message is dropped and the request in flight abandoned without a response. */
  close(): void {
    this.inFlight.stop();
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    this.reassembler.reset();
  }

  private armPoll(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    if (!this.reassembler.needsPoll) return;
    const key = this.link.key;
    this.cancelPoll = key.clock.setTimer(100, () => {
      this.cancelPoll = undefined;
      const result = this.reassembler.poll(key.clock.now());
      if (result?.type === 'error') this.sendError(result.code);
      this.armPoll();
    });
  }

  private message(payload: Uint8Array): void {
    if (this.inFlight.busy || this.inFlight.refusedByFault()) return this.sendError(BleError.BUSY);
    const refused = this.inFlight.run(
      undefined,
      (options) => this.serve(payload, options),
      (response) => {
        if (response !== undefined) this.send(BleCommand.MSG, response);
      },
    );
    if (refused !== undefined) this.sendError(refused);
  }

  /** KEEPALIVE for the message in flight (§2.6). */
  private sendKeepalive(status: CommandStatus): boolean {
    if (!this.link.connected) return false;
    this.send(BleCommand.KEEPALIVE, Uint8Array.of(status === 'user-presence' ? BleKeepaliveStatus.UP_NEEDED : BleKeepaliveStatus.PROCESSING));
    return true;
  }

  private sendError(code: BleErrorCode): void {
    this.send(BleCommand.ERROR, Uint8Array.of(code));
  }

  private send(cmd: number, payload: Uint8Array): void {
    if (!this.link.connected) return;
    const key = this.link.key;
    // A GATT server only notifies clients that enabled notifications.
    const notify = (value: Uint8Array): void => {
      if (this.subscribed && this.link.connected) this.notify(value);
    };
    for (const fragment of encodeBleMessage(cmd, payload, this.link.fragmentSize)) {
      if (key.events.traceFrames)
        key.events.emit({ type: 'frame', direction: 'out', transport: 'ble', bytes: fragment.length, header: this.describe(fragment) });
      if (!this.link.transmit(fragment, notify)) return;
    }
  }

  /** Header fields only: payloads can hold secrets (docs/protocol.md §6.4). */
  private describe(fragment: Uint8Array): string {
    const first = fragment[0] ?? 0;
    if (first & 0x80) return `${this.options.traceLabel}cmd=0x${first.toString(16)} len=${((fragment[1] ?? 0) << 8) | (fragment[2] ?? 0)}`;
    return `${this.options.traceLabel}seq=${first}`;
  }
}
