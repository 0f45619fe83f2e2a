/** A Transport over a BLE connection: what every GATT-based link (simulator BLE link, noble, Web Bluetooth) hands out. */
import { BleChannel, type BleChannelOptions } from './ble-channel.js';
import { ChannelTransport } from './request-scheduler.js';
import type { GattConnection } from './gatt-connection.js';
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
   * Starts a channel on the HKP service of a connected key, and one on its FIDO service when it offers one with
   * FIDO2. The connection is closed when that fails.
   */
  static async open(descriptor: DeviceDescriptor, connection: GattConnection, options?: BleChannelOptions): Promise<BleTransport> {
    const channel = await BleChannel.open(connection, options);
    try {
      const fidoChannel = connection.services.includes('fido') ? await BleChannel.open(connection, options, 'fido') : undefined;
      return new BleTransport(descriptor, channel, fidoChannel);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
  }

  /** Closes the FIDO channel (cancelling its running call on the key) and then the connection. */
  override async close(): Promise<void> {
    await this.fidoChannel?.close();
    await super.close();
  }
}
