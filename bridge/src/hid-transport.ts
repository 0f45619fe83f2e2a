/** A Transport over a CTAPHID channel: what every HID-framed link (virtual, UDP, USB HID, WebHID) hands out. */
import { ChannelTransport } from './channel-transport.js';
import { HidChannel, type HidChannelOpenOptions } from './hid-channel.js';
import type { HidReportPort } from './hid-report-port.js';
import type { DeviceDescriptor } from './transport.js';

export class HidTransport extends ChannelTransport<HidChannel> {
  /** Allocates a channel on `port`; the port is closed again when that fails. */
  static async open(descriptor: DeviceDescriptor, port: HidReportPort, options?: HidChannelOpenOptions): Promise<HidTransport> {
    return new HidTransport(descriptor, await HidChannel.open(port, options));
  }
}
