/** A Transport over a CTAPHID channel: what every HID-framed link (virtual, UDP, USB HID, WebHID) hands out. */
import type { BridgeError } from './errors.js';
import { HidChannel, type HidChannelOpenOptions } from './hid-channel.js';
import type { HidReportPort } from './hid-report-port.js';
import type { DeviceDescriptor, ExchangeOptions, Transport } from './transport.js';

export class HidTransport implements Transport {
  constructor(
    readonly descriptor: DeviceDescriptor,
    /** The CTAPHID layer underneath, for PING, WINK and the INIT information. */
    readonly channel: HidChannel,
  ) {}

  /** Allocates a channel on `port`; the port is closed again when that fails. */
  static async open(descriptor: DeviceDescriptor, port: HidReportPort, options?: HidChannelOpenOptions): Promise<HidTransport> {
    return new HidTransport(descriptor, await HidChannel.open(port, options));
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
