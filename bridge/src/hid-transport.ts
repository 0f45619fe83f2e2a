/** A Transport over a CTAPHID channel: what every HID-framed link (virtual, UDP, USB HID, WebHID) hands out. */
import { ChannelTransport } from './request-scheduler.js';
import { HidChannel, type HidChannelOpenOptions } from './hid-channel.js';
import type { HidReportPort } from './hid-report-port.js';
import type { DeviceDescriptor, FidoExchange } from './transport.js';

export class HidTransport extends ChannelTransport<HidChannel> {
  /** CTAPHID CBOR and MSG on the same channel, when the key announced CBOR at INIT (§1.6); undefined otherwise. */
  readonly fido: FidoExchange | undefined;

  constructor(descriptor: DeviceDescriptor, channel: HidChannel) {
    super(descriptor, channel);
    this.fido = channel.speaksCtap
      ? { cbor: (request, options) => channel.cbor(request, options), msg: (apdu, options) => channel.msg(apdu, options) }
      : undefined;
  }

  /** Allocates a channel on `port`; the port is closed again when that fails. */
  static async open(descriptor: DeviceDescriptor, port: HidReportPort, options?: HidChannelOpenOptions): Promise<HidTransport> {
    return new HidTransport(descriptor, await HidChannel.open(port, options));
  }
}
