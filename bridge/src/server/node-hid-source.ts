/**
 * Real USB keys (node-hid) as a bridge source: HKP exchanges, and raw reports for the WebHID shim, which shows a
 * page the key's own vendor and product ids. Node only.
 */
import { type NodeHidTransportOptions, NodeHidTransportKind } from '../transports/node-hid.js';
import type { BridgeDeviceSource } from './device-source.js';

export function nodeHidSource(options: NodeHidTransportOptions = {}): BridgeDeviceSource {
  const kind = new NodeHidTransportKind(options);
  return {
    kind,
    openHid: (descriptor) => kind.openReportPort(descriptor),
    describe: (descriptor) => ({ hid: kind.usbIdentity(descriptor.id) }),
  };
}
