/** A Transport over a BLE connection: what every GATT-based link (simulator BLE link, noble, Web Bluetooth) hands out. */
import { BleChannel, type BleChannelOptions, type GattPort } from './ble-channel.js';
import { ChannelTransport } from './channel-transport.js';
import type { DeviceDescriptor } from './transport.js';

export class BleTransport extends ChannelTransport<BleChannel> {
  /** Starts a channel on a connected `port`; the port is closed again when that fails. */
  static async open(descriptor: DeviceDescriptor, port: GattPort, options?: BleChannelOptions): Promise<BleTransport> {
    return new BleTransport(descriptor, await BleChannel.open(port, options));
  }
}
