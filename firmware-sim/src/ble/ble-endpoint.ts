/**
 * The key's GATT server (docs/protocol.md §2): each BLE connection is its own HKP session, with its own MTU,
 * reassembler and notifications, usable at the same time as the HID interface.
 */
import {
  BLE_DEFAULT_ATT_MTU,
  BLE_ATT_HEADER_SIZE,
  BleCommand,
  BleError,
  BleKeepaliveStatus,
  BleReassembler,
  HKP_SERVICE_REVISION,
  bleFragmentSize,
  encodeBleMessage,
  encodeControlPointLength,
} from '@hkey/protocol';
import { KeepaliveTicker } from '../core/keepalive-ticker.js';
import { Pacer } from '../core/pacer.js';
import type { KeySession } from '../core/session.js';
import type { VirtualKey } from '../core/virtual-key.js';

/** The largest ATT_MTU this GATT server accepts in an MTU exchange (§2.3). */
export const SERVER_MAX_MTU = 512;

export type GattCharacteristic = 'control-point-length' | 'service-revision';

export interface BleEndpointOptions {
  /** Value of the control point length characteristic (§2.2), 20..512; default 509 (the server's MTU cap minus the ATT header). */
  readonly controlPointLength?: number;
  readonly keepaliveMs?: number;
  readonly fragmentTimeoutMs?: number;
  /** Realistic timing: one fragment per connection interval and direction (7.5 to 30 ms); 0 is instant. */
  readonly connectionIntervalMs?: number;
  /** Largest ATT_MTU accepted in an exchange; 23 gives the 20-byte fragments of a basic BLE stack. */
  readonly maxMtu?: number;
}

export interface BleHost {
  /** A value notified on the status characteristic (when the host subscribed). */
  notify(value: Uint8Array): void;
  /** The key changed the ATT_MTU on its own (a simulated fault, §2.3). */
  mtuChanged(mtu: number): void;
  /** The key dropped the connection. */
  disconnected(reason: string): void;
}

export class BleEndpoint {
  readonly controlPointLength: number;
  private readonly connections = new Set<BleConnection>();

  constructor(
    readonly key: VirtualKey,
    readonly options: BleEndpointOptions = {},
  ) {
    // The largest write one ATT packet can carry at this server's MTU cap, so no host can be told to send more.
    this.controlPointLength = options.controlPointLength ?? SERVER_MAX_MTU - BLE_ATT_HEADER_SIZE;
    key.events.subscribe((event) => {
      if (event.type === 'power' && event.state === 'off') for (const connection of [...this.connections]) connection.drop('power lost');
    });
  }

  connect(host: BleHost): BleConnection {
    const connection = new BleConnection(this, host, () => this.connections.delete(connection));
    this.connections.add(connection);
    return connection;
  }

  /** Drops every connection (control API "disconnect"). */
  disconnectAll(reason: string): void {
    for (const connection of [...this.connections]) connection.drop(reason);
  }

  /** Forces a new ATT_MTU on every connection (a simulated MTU change). */
  changeMtu(mtu: number): void {
    for (const connection of this.connections) connection.forceMtu(mtu);
  }
}

export class BleConnection {
  private mtuValue = BLE_DEFAULT_ATT_MTU;
  private subscribed = false;
  private open = true;
  private readonly reassembler: BleReassembler;
  private readonly session: KeySession;
  /** The controller is created only when a button wait needs the signal or a CANCEL arrives. */
  private inFlight: { controller: AbortController | undefined; status: number } | undefined;
  private readonly keepalive: KeepaliveTicker;
  private cancelPoll: (() => void) | undefined;
  private readonly inbound: Pacer | undefined;
  private readonly outbound: Pacer | undefined;

  constructor(
    private readonly endpoint: BleEndpoint,
    private readonly host: BleHost,
    private readonly forget: () => void,
  ) {
    this.reassembler = new BleReassembler({ fragmentTimeoutMs: endpoint.options.fragmentTimeoutMs });
    this.session = endpoint.key.openSession('ble');
    this.keepalive = new KeepaliveTicker(endpoint.key.clock, endpoint.options.keepaliveMs ?? 75, () => this.sendKeepalive());
    const interval = endpoint.options.connectionIntervalMs;
    if (interval) {
      this.inbound = new Pacer(endpoint.key.clock, interval);
      this.outbound = new Pacer(endpoint.key.clock, interval);
    }
  }

  get mtu(): number {
    return this.mtuValue;
  }

  /** The bytes one write or notification may carry (§2.4). */
  get fragmentSize(): number {
    return bleFragmentSize(this.mtuValue, this.endpoint.controlPointLength);
  }

  get connected(): boolean {
    return this.open;
  }

  /** ATT MTU exchange: the smaller of both sides' values, at least 23 (§2.3). */
  exchangeMtu(clientMtu: number): number {
    this.mtuValue = Math.max(BLE_DEFAULT_ATT_MTU, Math.min(clientMtu, this.endpoint.options.maxMtu ?? SERVER_MAX_MTU));
    return this.mtuValue;
  }

  forceMtu(mtu: number): void {
    this.mtuValue = Math.max(BLE_DEFAULT_ATT_MTU, Math.min(mtu, SERVER_MAX_MTU));
    this.endpoint.key.events.emit({ type: 'fault', fault: 'mtu-change', detail: { mtu: this.mtuValue } });
    this.host.mtuChanged(this.mtuValue);
  }

  read(characteristic: GattCharacteristic): Uint8Array {
    return characteristic === 'control-point-length' ? encodeControlPointLength(this.endpoint.controlPointLength) : new TextEncoder().encode(HKP_SERVICE_REVISION);
  }

  subscribe(enable: boolean): void {
    this.subscribed = enable;
  }

  /** A write to the control point. Returns false when the value is longer than a fragment may be (§2.4). */
  write(value: Uint8Array): boolean {
    if (!this.open) return false;
    if (value.length > this.fragmentSize) return false;
    const arrive = (): void => {
      if (!this.open) return;
      const delivery = this.endpoint.key.linkFaults.apply('in', 'ble', value, (fragment) => this.accept(fragment));
      if (delivery === 'disconnect') this.drop('link fault');
    };
    if (this.inbound) this.inbound.run(arrive);
    else arrive();
    return true;
  }

  /** The host disconnects. */
  disconnect(): void {
    this.close();
  }

  /** The key disconnects (fault, power loss, control API). */
  drop(reason: string): void {
    if (!this.open) return;
    this.close();
    this.host.disconnected(reason);
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.keepalive.stop();
    if (this.inFlight) (this.inFlight.controller ??= new AbortController()).abort();
    this.inFlight = undefined;
    this.cancelPoll?.();
    this.inbound?.clear();
    this.outbound?.clear();
    this.reassembler.reset();
    this.session.close();
    this.forget();
  }

  private accept(fragment: Uint8Array): void {
    const key = this.endpoint.key;
    if (key.events.traceFrames) key.events.emit({ type: 'frame', direction: 'in', transport: 'ble', bytes: fragment.length, header: describeFragment(fragment) });
    const result = this.reassembler.feed(fragment, key.clock.now());
    this.armPoll();
    if (result === undefined) return;
    if (result.type === 'error') return this.send(BleCommand.ERROR, Uint8Array.of(result.code));
    switch (result.cmd) {
      case BleCommand.PING:
        return this.send(BleCommand.PING, result.payload);
      case BleCommand.CANCEL:
        if (this.inFlight) (this.inFlight.controller ??= new AbortController()).abort();
        return;
      case BleCommand.MSG:
        return this.message(result.payload);
      default:
        return this.send(BleCommand.ERROR, Uint8Array.of(BleError.INVALID_CMD));
    }
  }

  private armPoll(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    if (!this.reassembler.needsPoll) return;
    const key = this.endpoint.key;
    this.cancelPoll = key.clock.setTimer(100, () => {
      this.cancelPoll = undefined;
      const result = this.reassembler.poll(key.clock.now());
      if (result?.type === 'error') this.send(BleCommand.ERROR, Uint8Array.of(result.code));
      this.armPoll();
    });
  }

  private message(payload: Uint8Array): void {
    const key = this.endpoint.key;
    if (this.inFlight !== undefined) return this.send(BleCommand.ERROR, Uint8Array.of(BleError.BUSY));
    if (key.linkFaults.busyReplies > 0) {
      key.linkFaults.busyReplies -= 1;
      key.events.emit({ type: 'fault', fault: 'busy', detail: { transport: 'ble' } });
      return this.send(BleCommand.ERROR, Uint8Array.of(BleError.BUSY));
    }
    const flight: NonNullable<BleConnection['inFlight']> = { controller: undefined, status: BleKeepaliveStatus.PROCESSING };
    this.inFlight = flight;
    this.keepalive.start();
    void this.session
      .handle(payload, {
        get signal() {
          return (flight.controller ??= new AbortController()).signal;
        },
        onStatus: (status) => {
          const next = status === 'up-needed' ? BleKeepaliveStatus.UP_NEEDED : BleKeepaliveStatus.PROCESSING;
          if (next === flight.status || this.inFlight !== flight) return;
          flight.status = next;
          // Tell the host at once that the button is needed; the ticker keeps the cadence.
          this.sendKeepalive();
        },
      })
      .then((response) => {
        if (this.inFlight !== flight) return;
        this.inFlight = undefined;
        if (response !== undefined) this.send(BleCommand.MSG, response);
      });
  }

  /** KEEPALIVE for the message in flight, if any (§2.6). */
  private sendKeepalive(): boolean {
    if (this.inFlight === undefined || !this.open) return false;
    this.send(BleCommand.KEEPALIVE, Uint8Array.of(this.inFlight.status));
    return true;
  }

  private send(cmd: number, payload: Uint8Array): void {
    if (!this.open) return;
    const key = this.endpoint.key;
    for (const fragment of encodeBleMessage(cmd, payload, this.fragmentSize)) {
      if (key.events.traceFrames) key.events.emit({ type: 'frame', direction: 'out', transport: 'ble', bytes: fragment.length, header: describeFragment(fragment) });
      const notify = (value: Uint8Array): void => {
        // A GATT server only notifies clients that enabled notifications.
        if (this.subscribed && this.open) this.host.notify(value);
      };
      const delivery = key.linkFaults.apply('out', 'ble', fragment, (value) => (this.outbound ? this.outbound.run(() => notify(value)) : notify(value)));
      if (delivery === 'disconnect') return this.drop('link fault');
    }
  }
}

/** Header fields only: payloads can hold secrets (docs/protocol.md §6.4). */
function describeFragment(fragment: Uint8Array): string {
  const first = fragment[0] ?? 0;
  if (first & 0x80) return `cmd=0x${first.toString(16)} len=${((fragment[1] ?? 0) << 8) | (fragment[2] ?? 0)}`;
  return `seq=${first}`;
}
