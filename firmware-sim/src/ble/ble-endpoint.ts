/**
 * The key's GATT server (docs/protocol.md §2): each BLE connection is its own session, with its own MTU, usable at
 * the same time as the HID interface. It offers the HKP service and the FIDO service (§2.12), each with its own
 * reassembler, request in flight and notifications (BleServiceChannel).
 */
import { BLE_DEFAULT_ATT_MTU, BLE_ATT_HEADER_SIZE, HKP_SERVICE_REVISION, bleFragmentSize, encodeControlPointLength } from '@hkey/protocol';
import { Pacer } from '../core/pacer.js';
import type { KeySession } from '../core/session.js';
import type { VirtualKey } from '../core/virtual-key.js';
import { type BleChannelLink, BleServiceChannel } from './ble-service-channel.js';
import { FidoRevisionSelection, type FidoRevisionWrite } from './fido-service.js';

export type { FidoRevisionWrite };

/** The largest ATT_MTU this GATT server accepts in an MTU exchange (§2.3). */
export const SERVER_MAX_MTU = 512;

/** The readable characteristics: the HKP service's two, then the FIDO service's two. */
export type GattCharacteristic = 'control-point-length' | 'service-revision' | 'fido-control-point-length' | 'fido-service-revision-bitfield';

export interface BleEndpointOptions {
  /** Value of both services' control point length characteristics (§2.2, §2.12), 20..512; default 509 (the server's MTU cap minus the ATT header). */
  readonly controlPointLength?: number;
  readonly keepaliveMs?: number;
  readonly fragmentTimeoutMs?: number;
  /** Realistic timing: one fragment per connection interval and direction (7.5 to 30 ms); 0 is instant. */
  readonly connectionIntervalMs?: number;
  /** Largest ATT_MTU accepted in an exchange; 23 gives the 20-byte fragments of a basic BLE stack. */
  readonly maxMtu?: number;
}

export interface BleHost {
  /** A value notified on the HKP status characteristic (when the host subscribed). */
  notify(value: Uint8Array): void;
  /** A value notified on fidoStatus (when the host subscribed); hosts that never use the FIDO service omit it. */
  notifyFido?(value: Uint8Array): void;
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

  /** The ATT_MTU of each open connection (for displays such as the dashboard). */
  get connectionMtus(): number[] {
    return [...this.connections].map((connection) => connection.mtu);
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

export class BleConnection implements BleChannelLink {
  private mtuValue = BLE_DEFAULT_ATT_MTU;
  private open = true;
  private readonly session: KeySession;
  private readonly hkp: BleServiceChannel;
  private readonly fido: BleServiceChannel;
  private readonly fidoRevision = new FidoRevisionSelection();
  private readonly inbound: Pacer | undefined;
  private readonly outbound: Pacer | undefined;

  constructor(
    private readonly endpoint: BleEndpoint,
    private readonly host: BleHost,
    private readonly forget: () => void,
  ) {
    this.session = endpoint.key.openSession('ble');
    const channel = { keepaliveMs: endpoint.options.keepaliveMs ?? 75, fragmentTimeoutMs: endpoint.options.fragmentTimeoutMs };
    this.hkp = new BleServiceChannel(
      this,
      (payload, options) => this.session.handle(payload, options),
      (value) => host.notify(value),
      { ...channel, traceLabel: '' },
    );
    this.fido = new BleServiceChannel(this, this.fidoRevision.server(this.session), (value) => host.notifyFido?.(value), { ...channel, traceLabel: 'fido ' });
    const interval = endpoint.options.connectionIntervalMs;
    if (interval) {
      this.inbound = new Pacer(endpoint.key.clock, interval);
      this.outbound = new Pacer(endpoint.key.clock, interval);
    }
  }

  get key(): VirtualKey {
    return this.endpoint.key;
  }

  get mtu(): number {
    return this.mtuValue;
  }

  /** The bytes one write or notification may carry (§2.4), on either service. */
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
    switch (characteristic) {
      case 'control-point-length':
      case 'fido-control-point-length':
        return encodeControlPointLength(this.endpoint.controlPointLength);
      case 'service-revision':
        return new TextEncoder().encode(HKP_SERVICE_REVISION);
      case 'fido-service-revision-bitfield':
        return this.fidoRevision.read();
    }
  }

  /** Notifications of the HKP status characteristic. */
  subscribe(enable: boolean): void {
    this.hkp.subscribe(enable);
  }

  /** A write to the HKP control point. Returns false when the value is longer than a fragment may be (§2.4). */
  write(value: Uint8Array): boolean {
    return this.deliver(this.hkp, value);
  }

  /** Notifications of fidoStatus (§2.12). */
  subscribeFidoStatus(enable: boolean): void {
    this.fido.subscribe(enable);
  }

  /** A write to fidoControlPoint. Returns false when the value is longer than a fragment may be (§2.4). */
  writeFidoControlPoint(value: Uint8Array): boolean {
    return this.deliver(this.fido, value);
  }

  /** A write to fidoServiceRevisionBitfield: the host selects a revision (§2.12). */
  writeFidoServiceRevision(value: Uint8Array): FidoRevisionWrite {
    return this.fidoRevision.write(value);
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

  transmit(fragment: Uint8Array, notify: (value: Uint8Array) => void): boolean {
    const delivery = this.endpoint.key.linkFaults.apply('out', 'ble', fragment, (value) =>
      this.outbound ? this.outbound.run(() => notify(value)) : notify(value),
    );
    if (delivery !== 'disconnect') return true;
    this.drop('link fault');
    return false;
  }

  private deliver(channel: BleServiceChannel, value: Uint8Array): boolean {
    if (!this.open) return false;
    if (value.length > this.fragmentSize) return false;
    const arrive = (): void => {
      if (!this.open) return;
      const delivery = this.endpoint.key.linkFaults.apply('in', 'ble', value, (fragment) => channel.accept(fragment));
      if (delivery === 'disconnect') this.drop('link fault');
    };
    if (this.inbound) this.inbound.run(arrive);
    else arrive();
    return true;
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.hkp.close();
    this.fido.close();
    this.inbound?.clear();
    this.outbound?.clear();
    this.session.close();
    this.forget();
  }
}
