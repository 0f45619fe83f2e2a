/** Simulators on UDP (docs/protocol.md §8.1) as a bridge source: HKP exchanges and raw reports. Node only. */
import { type UdpTransportOptions, UdpTransportKind, connectUdpReportPort, parseUdpAddress } from '../transports/udp.js';
import type { BridgeDeviceSource } from './device-source.js';

export function udpSource(options: UdpTransportOptions = {}): BridgeDeviceSource {
  return {
    kind: new UdpTransportKind(options),
    openHid: (descriptor) => connectUdpReportPort(parseUdpAddress(descriptor.id)),
  };
}
