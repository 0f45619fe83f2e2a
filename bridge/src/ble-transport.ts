/** A Transport over a BLE connection: what every GATT-based link (simulator BLE link, noble, Web Bluetooth) hands out. */
import { BleChannel, type BleChannelOptions, type GattPort } from './ble-channel.js';
import type { BridgeError } from './errors.js';
import type { DeviceDescriptor, ExchangeOptions, Transport } from './transport.js';

export class BleTransport implements Transport {
  constructor(
    readonly descriptor: DeviceDescriptor,
    /** The BLE framing underneath, for PING, the MTU and the fragment size. */
    readonly channel: BleChannel,
  ) {}

  /** Starts a channel on a connected `port`; the port is closed again when that fails. */
  static async open(descriptor: DeviceDescriptor, port: GattPort, options?: BleChannelOptions): Promise<BleTransport> {
    return new BleTransport(descriptor, await BleChannel.open(port, options));
  }

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
