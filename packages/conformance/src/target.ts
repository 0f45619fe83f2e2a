/**
 * What the suite runs against. A target opens a fresh message transport for each case (any bridge Transport:
 * UDP, USB HID, BLE, WebSocket, in-process) and, when it can, raw links for the framing cases: 64-byte reports
 * for HID (§1) and a GATT port for BLE (§2). Cases whose link a target lacks are skipped with a reason.
 */
import {
  BleTransport,
  type BleLinkKeyAddress,
  type GattPort,
  type HidReportPort,
  HidTransport,
  type Transport,
  type TransportName,
  connectBleLinkPort,
  connectUdpReportPort,
  parseBleLinkAddress,
  parseBleLinkKey,
  parseUdpAddress,
  scanBleLink,
} from '@hkey/bridge';
import { ConformanceError } from './failures.js';

export interface ConformanceTarget {
  /** For reports, e.g. "udp://127.0.0.1:8111". */
  readonly name: string;
  /** A new connection carrying whole HKP messages; the case closes it. */
  openTransport(): Promise<Transport>;
  /** A new raw report port on the key's HID interface, for the HID framing cases. */
  openHidPort?(): Promise<HidReportPort>;
  /**
   * A new BLE connection, notifications enabled, that asked for ATT_MTU `mtu` (23: no exchange), for the BLE
   * framing cases. The port's `mtu` says what the link agreed on.
   */
  openBlePort?(mtu: number): Promise<GattPort>;
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

/** The ATT_MTU message transports ask for, as phones and computers commonly do. */
const MESSAGE_MTU = 247;

/** A key reached through a GATT port (any BLE stack): BLE framing cases on raw ports, the rest through a BLE channel. */
export function bleGattTarget(name: string, openPort: (mtu: number) => Promise<GattPort>): ConformanceTarget {
  return {
    name,
    openBlePort: openPort,
    openTransport: async () => BleTransport.open({ id: name, transport: 'ble', name }, await openPort(MESSAGE_MTU)),
  };
}

/**
 * A key on the simulator's BLE link (docs/protocol.md §8.2): ble-link://127.0.0.1:8112/HK-SIM-000001, or
 * tcp://127.0.0.1:8112 when the link advertises exactly one key.
 */
export function bleLinkTarget(url: string): ConformanceTarget {
  let key: Promise<BleLinkKeyAddress> | undefined;
  const resolveKey = (): Promise<BleLinkKeyAddress> => (key ??= keyOnLink(url));
  return bleGattTarget(url, async (mtu) => connectBleLinkPort(await resolveKey(), { mtu }));
}

async function keyOnLink(url: string): Promise<BleLinkKeyAddress> {
  if (url.startsWith('ble-link:')) return parseBleLinkKey(url);
  const link = parseBleLinkAddress(url);
  const serials = await scanBleLink(link);
  if (serials.length !== 1 || serials[0] === undefined) {
    throw new ConformanceError('BLE_LINK_AMBIGUOUS', `The BLE link at ${url} advertises ${serials.length} keys; name one as ble-link://${link.host}:${link.port}/SERIAL.`);
  }
  return { ...link, serial: serials[0] };
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
  const openBlePort = all.find((target) => target.openBlePort)?.openBlePort;
  return {
    name: all.map((target) => target.name).join(' + '),
    openTransport: () => primary.openTransport(),
    ...(openHidPort && { openHidPort }),
    ...(openBlePort && { openBlePort }),
  };
}
