/**
 * What the suite runs against. A target opens a fresh message transport for each case (any bridge Transport:
 * UDP, USB HID, BLE, WebSocket, in-process) and, when it can, raw links for the framing cases: 64-byte reports
 * for HID (§1) and GATT operations for BLE (§2). Cases whose link a target lacks are skipped with a reason.
 */
import { type HidReportPort, HidTransport, type Transport, type TransportName, connectUdpReportPort, parseUdpAddress } from '@hkey/bridge';
import type { BleGattLink } from './ble/gatt-link.js';
import { openGattTransport } from './ble/gatt-transport.js';
import { connectSimulatorBleLink, parseBleLinkAddress } from './ble/simulator-ble-link.js';

export interface ConformanceTarget {
  /** For reports, e.g. "udp://127.0.0.1:8111". */
  readonly name: string;
  /** A new connection carrying whole HKP messages; the case closes it. */
  openTransport(): Promise<Transport>;
  /** A new raw report port on the key's HID interface, for the HID framing cases. */
  openHidPort?(): Promise<HidReportPort>;
  /** A new BLE connection as GATT operations, for the BLE framing cases. */
  openBleLink?(): Promise<BleGattLink>;
}

/** A key reached through 64-byte reports: HID framing cases on the raw port, the rest through a CTAPHID channel. */
export function hidPortTarget(name: string, openPort: () => Promise<HidReportPort>, transport: TransportName = 'hid'): ConformanceTarget {
  return {
    name,
    openHidPort: openPort,
    openTransport: async () => HidTransport.open({ id: name, transport, name }, await openPort()),
  };
}

/** The simulator's UDP HID endpoint (docs/protocol.md §8.1), e.g. udp://127.0.0.1:8111. */
export function udpTarget(url: string): ConformanceTarget {
  const address = parseUdpAddress(url);
  return hidPortTarget(url, () => connectUdpReportPort(address), 'udp');
}

/** A key reached through GATT operations: BLE framing cases on the raw link, the rest as MSG over it. */
export function bleGattTarget(name: string, openLink: () => Promise<BleGattLink>): ConformanceTarget {
  return {
    name,
    openBleLink: openLink,
    openTransport: async () => openGattTransport({ id: name, transport: 'ble', name }, await openLink()),
  };
}

/** The simulator's BLE link (docs/protocol.md §8.2), e.g. ble-link://127.0.0.1:8112 or ble-link://127.0.0.1:8112?serial=HK-SIM-000002. */
export function bleLinkTarget(url: string): ConformanceTarget {
  const address = parseBleLinkAddress(url);
  return bleGattTarget(url, () => connectSimulatorBleLink(address));
}

/** Any transport that carries whole messages (WebSocket bridge, an in-process key): message and semantic cases only. */
export function transportTarget(name: string, openTransport: () => Promise<Transport>): ConformanceTarget {
  return { name, openTransport };
}

/**
 * One run over several links of the same key, e.g. its UDP HID endpoint and its BLE link: messages go through
 * the first target, raw links come from whichever target has them.
 */
export function combineTargets(primary: ConformanceTarget, ...others: readonly ConformanceTarget[]): ConformanceTarget {
  const all = [primary, ...others];
  const openHidPort = all.find((target) => target.openHidPort)?.openHidPort;
  const openBleLink = all.find((target) => target.openBleLink)?.openBleLink;
  return {
    name: all.map((target) => target.name).join(' + '),
    openTransport: () => primary.openTransport(),
    ...(openHidPort && { openHidPort }),
    ...(openBleLink && { openBleLink }),
  };
}
