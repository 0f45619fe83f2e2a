/**
 * What the suite runs against. A target opens a fresh message transport for each case (any bridge Transport:
 * UDP, USB HID, BLE, WebSocket, in-process) and, when it can, raw links for the framing cases: 64-byte reports
 * for HID (§1) and a GATT port for BLE (§2). Cases whose link a target lacks are skipped with a reason.
 */
import {
  AddressError,
  BleTransport,
  type BleLinkKeyAddress,
  type GattConnection,
  type HidReportPort,
  HidTransport,
  type Transport,
  type TransportName,
  connectBleLinkGatt,
  connectUdpReportPort,
  parseAddress,
  parseUdpAddress,
  scanBleLink,
} from '@hkey/bridge';
import { ConformanceError } from './failures.js';

/** The link the security-key cases speak CTAP over: CTAPHID on raw reports, or the FIDO BLE service. */
export type CtapTransport = 'hid' | 'ble';

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
  openBlePort?(mtu: number): Promise<GattConnection>;
  /**
   * A new BLE connection to the key's FIDO service (CTAP 2.1 §11.4, docs/protocol.md §2.12) that asked for ATT_MTU
   * `mtu`, fidoStatus notifications enabled, for the security-key cases over BLE.
   */
  openFidoBlePort?(mtu: number): Promise<GattConnection>;
  /** Which link the security-key cases use when the target has both; default CTAPHID. */
  readonly ctapTransport?: CtapTransport;
}

/** Where a run's security-key cases speak CTAP: the target's choice, else CTAPHID when it has raw reports. */
export function ctapTransportOf(target: ConformanceTarget): CtapTransport | undefined {
  if (target.ctapTransport !== undefined) return target.ctapTransport;
  return target.openHidPort ? 'hid' : target.openFidoBlePort ? 'ble' : undefined;
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

/**
 * A key reached through a GATT port (any BLE stack): BLE framing cases on raw ports, the rest through a BLE
 * channel, and the security-key cases on the FIDO service when `openFidoPort` reaches it.
 */
export function bleGattTarget(
  name: string,
  openPort: (mtu: number) => Promise<GattConnection>,
  openFidoPort?: (mtu: number) => Promise<GattConnection>,
): ConformanceTarget {
  return {
    name,
    openBlePort: openPort,
    openTransport: async () => BleTransport.open({ id: name, transport: 'ble', name }, await openPort(MESSAGE_MTU)),
    ...(openFidoPort && { openFidoBlePort: openFidoPort }),
  };
}

/**
 * A key on the simulator's BLE link (docs/protocol.md §8.2): ble-link://127.0.0.1:8112/HK-SIM-000001, or
 * tcp://127.0.0.1:8112 when the link advertises exactly one key.
 */
export function bleLinkTarget(url: string): ConformanceTarget {
  let key: Promise<BleLinkKeyAddress> | undefined;
  const resolveKey = (): Promise<BleLinkKeyAddress> => (key ??= keyOnLink(url));
  return bleGattTarget(
    url,
    async (mtu) => connectBleLinkGatt(await resolveKey(), { mtu }),
    async (mtu) => connectBleLinkGatt(await resolveKey(), { mtu }),
  );
}

async function keyOnLink(url: string): Promise<BleLinkKeyAddress> {
  const link = parseAddress(url);
  if (link.scheme === 'ble-link') return link;
  if (link.scheme !== 'tcp')
    throw new AddressError('ADDRESS_MALFORMED', 'A simulator BLE link address looks like ble-link://HOST:PORT/SERIAL or tcp://HOST:PORT.');
  const serials = await scanBleLink(link);
  if (serials.length !== 1 || serials[0] === undefined) {
    throw new ConformanceError(
      'BLE_LINK_AMBIGUOUS',
      `The BLE link at ${url} advertises ${serials.length} keys; name one as ble-link://${link.host}:${link.port}/SERIAL.`,
    );
  }
  return { ...link, serial: serials[0] };
}

/** Any transport that carries whole messages (WebSocket bridge, an in-process key): message and semantic cases only. */
export function transportTarget(name: string, openTransport: () => Promise<Transport>): ConformanceTarget {
  return { name, openTransport };
}

/**
 * One run over several links of the same key, e.g. its UDP HID endpoint and its BLE link: messages go through
 * the first target, raw links come from whichever target has them, and the security-key cases speak CTAP over the
 * first target's link.
 */
export function combineTargets(primary: ConformanceTarget, ...others: readonly ConformanceTarget[]): ConformanceTarget {
  const all = [primary, ...others];
  const openHidPort = all.find((target) => target.openHidPort)?.openHidPort;
  const openBlePort = all.find((target) => target.openBlePort)?.openBlePort;
  const openFidoBlePort = all.find((target) => target.openFidoBlePort)?.openFidoBlePort;
  const ctapTransport = ctapTransportOf(primary) ?? (openHidPort ? 'hid' : openFidoBlePort ? 'ble' : undefined);
  return {
    name: all.map((target) => target.name).join(' + '),
    openTransport: () => primary.openTransport(),
    ...(openHidPort && { openHidPort }),
    ...(openBlePort && { openBlePort }),
    ...(openFidoBlePort && { openFidoBlePort }),
    ...(ctapTransport && { ctapTransport }),
  };
}
