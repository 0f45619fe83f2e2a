/**
 * Real Bluetooth keys (noble) as a bridge source: HKP exchanges, and GATT operations for the Web Bluetooth shim.
 * Node only.
 */
import { type NobleTransportOptions, NobleTransportKind } from '../transports/noble.js';
import type { BridgeDeviceSource } from './device-source.js';

export function nobleSource(options: NobleTransportOptions = {}): BridgeDeviceSource {
  const kind = new NobleTransportKind(options);
  return { kind, openGatt: (descriptor) => kind.openGattConnection(descriptor) };
}
