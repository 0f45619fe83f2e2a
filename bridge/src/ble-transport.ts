/** A Transport over a BLE connection: what every GATT-based link (simulator BLE link, noble, Web Bluetooth) hands out. */
import { BleChannel, type BleChannelOptions, type GattPort } from './ble-channel.js';
import { ChannelTransport } from './channel-transport.js';
import type { DeviceDescriptor, FidoExchange } from './transport.js';

export class BleTransport extends ChannelTransport<BleChannel> {
  /** CTAP2 and U2F over the key's FIDO service (§2.12), both as MSG; undefined when the key offers no FIDO service. */
  readonly fido: FidoExchange | undefined;

  constructor(
    descriptor: DeviceDescriptor,
    channel: BleChannel,
    /** The channel on the FIDO service of the same connection, with its own queue, keepalives and cancels. */
    readonly fidoChannel?: BleChannel,
  ) {
    super(descriptor, channel);
    this.fido =
      fidoChannel === undefined
        ? undefined
        : { cbor: (request, options) => fidoChannel.exchange(request, options), msg: (apdu, options) => fidoChannel.exchange(apdu, options) };
  }

  /**
   * Starts a channel on a connected `port`, and one on `fidoPort` (the FIDO service of the same connection, FIDO2
   * selected and fidoStatus subscribed) when given. Both ports are closed again when that fails.
   */
  static async open(descriptor: DeviceDescriptor, port: GattPort, options?: BleChannelOptions, fidoPort?: GattPort): Promise<BleTransport> {
    let fidoChannel: BleChannel | undefined;
    if (fidoPort !== undefined) {
      try {
        fidoChannel = await BleChannel.open(fidoPort, options, 'fido');
      } catch (error) {
        await port.close().catch(() => undefined);
        throw error;
      }
    }
    try {
      return new BleTransport(descriptor, await BleChannel.open(port, options), fidoChannel);
    } catch (error) {
      await fidoChannel?.close().catch(() => undefined);
      throw error;
    }
  }

  /** Closes the FIDO channel (cancelling its running call on the key) and then the connection. */
  override async close(): Promise<void> {
    await this.fidoChannel?.close();
    await super.close();
  }
}
