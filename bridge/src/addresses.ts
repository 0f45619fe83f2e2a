/**
 * The one registry of key addresses: each scheme a program names keys by (one key, or a place to look for keys),
 * parsed into a typed address, formatted back, described for help texts, and mapped to the transport that serves
 * it. Node only (it reaches the UDP, USB, Bluetooth and BLE-link transports). `virtual` is described here but
 * opened by the embedding program, which keeps the bridge free of the simulator.
 */
import { BridgeError } from './errors.js';
import type { Transport, TransportKind, TransportName } from './transport.js';
import { BleLinkTransportKind, formatBleLinkAddress, formatBleLinkKey, parseBleLinkAddress, parseBleLinkKey } from './transports/ble-link.js';
import { NobleTransportKind } from './transports/noble.js';
import { NodeHidTransportKind } from './transports/node-hid.js';
import { UdpTransportKind, formatUdpAddress, parseUdpAddress } from './transports/udp.js';
import { WsTransportKind } from './transports/ws.js';

export type TransportAddress =
  | { readonly scheme: 'udp'; readonly host: string; readonly port: number }
  /** Without a path: every USB key. */
  | { readonly scheme: 'hid'; readonly path?: string }
  /** Without an id: every Bluetooth key in range. */
  | { readonly scheme: 'ble'; readonly id?: string }
  | { readonly scheme: 'ble-link'; readonly host: string; readonly port: number; readonly serial: string }
  /** Every key on a simulator's BLE link. */
  | { readonly scheme: 'tcp'; readonly host: string; readonly port: number }
  /** A bridge (`host` as in a URL: name and port); without an id, every key it serves. */
  | { readonly scheme: 'ws'; readonly secure: boolean; readonly host: string; readonly id?: string }
  | { readonly scheme: 'virtual' };

export type AddressScheme = TransportAddress['scheme'];
type AddressOf<S extends AddressScheme> = Extract<TransportAddress, { scheme: S }>;

export interface AddressSchemeInfo {
  readonly scheme: AddressScheme;
  /** The transport whose keys the scheme names. */
  readonly transport: TransportName;
  /** How people write it, e.g. "udp://HOST:PORT". */
  readonly syntax: string;
  /** What it names, in a few words. */
  readonly description: string;
  readonly example: string;
}

interface SchemeDefinition<S extends AddressScheme> extends AddressSchemeInfo {
  readonly scheme: S;
  /** Whether text is written in this scheme, so that a malformed address is told apart from an unknown one. */
  claims(text: string): boolean;
  /** Throws anything for text that is not an address of the scheme. */
  parse(text: string): AddressOf<S>;
  format(address: AddressOf<S>): string;
}

/** The path or id after a prefix: anything but nothing. */
function nonEmpty(id: string): string {
  if (id === '') throw new Error('empty id');
  return id;
}

function parseBridge(text: string): AddressOf<'ws'> {
  const url = new URL(text);
  // A query, fragment or user part may carry a token or password: the bridge's token travels separately.
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '' || url.host === '') throw new Error('not a bridge address');
  const id = decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined;
  return { scheme: 'ws', secure: url.protocol === 'wss:', host: url.host, ...(id === undefined ? {} : { id }) };
}

const SCHEMES: { readonly [S in AddressScheme]: SchemeDefinition<S> } = {
  udp: {
    scheme: 'udp',
    transport: 'udp',
    syntax: 'udp://HOST:PORT',
    description: 'a simulator key over UDP',
    example: 'udp://127.0.0.1:8111',
    claims: (text) => text.startsWith('udp://'),
    parse: (text) => ({ scheme: 'udp', ...parseUdpAddress(text) }),
    format: formatUdpAddress,
  },
  hid: {
    scheme: 'hid',
    transport: 'hid',
    syntax: 'hid[:PATH]',
    description: 'USB keys (hid: every one)',
    example: 'hid',
    claims: (text) => text === 'hid' || text.startsWith('hid:'),
    parse: (text) => (text === 'hid' ? { scheme: 'hid' } : { scheme: 'hid', path: nonEmpty(text.slice('hid:'.length)) }),
    format: ({ path }) => (path === undefined ? 'hid' : `hid:${path}`),
  },
  ble: {
    scheme: 'ble',
    transport: 'ble',
    syntax: 'ble[://ID]',
    description: 'Bluetooth keys (ble: every one in range)',
    example: 'ble',
    claims: (text) => text === 'ble' || text.startsWith('ble://'),
    parse: (text) => (text === 'ble' ? { scheme: 'ble' } : { scheme: 'ble', id: nonEmpty(text.slice('ble://'.length)) }),
    format: ({ id }) => (id === undefined ? 'ble' : `ble://${id}`),
  },
  'ble-link': {
    scheme: 'ble-link',
    transport: 'ble',
    syntax: 'ble-link://HOST:PORT/SERIAL',
    description: 'a key on a simulator BLE link',
    example: 'ble-link://127.0.0.1:8112/HK-SIM-000001',
    claims: (text) => text.startsWith('ble-link://'),
    parse: (text) => ({ scheme: 'ble-link', ...parseBleLinkKey(text) }),
    format: formatBleLinkKey,
  },
  tcp: {
    scheme: 'tcp',
    transport: 'ble',
    syntax: 'tcp://HOST:PORT',
    description: 'every key on a simulator BLE link',
    example: 'tcp://127.0.0.1:8112',
    claims: (text) => text.startsWith('tcp://'),
    parse: (text) => ({ scheme: 'tcp', ...parseBleLinkAddress(text) }),
    format: formatBleLinkAddress,
  },
  ws: {
    scheme: 'ws',
    transport: 'ws',
    syntax: 'ws://HOST:PORT[/ID]',
    description: 'keys a bridge serves (wss:// too)',
    example: 'ws://127.0.0.1:8120',
    claims: (text) => text.startsWith('ws://') || text.startsWith('wss://'),
    parse: parseBridge,
    format: ({ secure, host, id }) => `${secure ? 'wss' : 'ws'}://${host}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`,
  },
  virtual: {
    scheme: 'virtual',
    transport: 'virtual',
    syntax: 'virtual',
    description: 'a key inside this program',
    example: 'virtual',
    claims: (text) => text === 'virtual',
    parse: () => ({ scheme: 'virtual' }),
    format: () => 'virtual',
  },
};

const definitions: readonly SchemeDefinition<AddressScheme>[] = Object.values(SCHEMES) as SchemeDefinition<AddressScheme>[];

/** Every scheme, in the order help texts list them. */
export const ADDRESS_SCHEMES: readonly AddressSchemeInfo[] = definitions.map(({ scheme, transport, syntax, description, example }) => ({
  scheme,
  transport,
  syntax,
  description,
  example,
}));

/** "udp://HOST:PORT, hid[:PATH], … or virtual": what an address may look like, for messages. */
export const ADDRESS_SYNTAX = ADDRESS_SCHEMES.map((info) => info.syntax)
  .join(', ')
  .replace(/, (?=[^,]*$)/, ' or ');

export type AddressErrorCode = 'ADDRESS_UNKNOWN' | 'ADDRESS_MALFORMED' | 'ADDRESS_NOT_A_KEY';

/** An address refused. Messages never quote it: a bridge URL may carry a token. */
export class AddressError extends BridgeError {
  declare readonly code: AddressErrorCode;

  constructor(code: AddressErrorCode, message: string) {
    super(code, message);
  }
}

export function parseAddress(text: string): TransportAddress {
  const definition = definitions.find((candidate) => candidate.claims(text));
  if (definition === undefined) throw new AddressError('ADDRESS_UNKNOWN', `This address names no known transport: use ${ADDRESS_SYNTAX}.`);
  try {
    return definition.parse(text);
  } catch {
    // No cause kept: URL errors quote their input.
    throw new AddressError('ADDRESS_MALFORMED', `This is not a valid ${definition.syntax} address; write it like ${definition.example}.`);
  }
}

export function formatAddress(address: TransportAddress): string {
  return (SCHEMES[address.scheme] as SchemeDefinition<AddressScheme>).format(address);
}

/** Whether the address names a place to look for keys (hid, ble, tcp://HOST:PORT, ws://HOST:PORT) rather than one key. */
export function isPlace(address: TransportAddress): boolean {
  switch (address.scheme) {
    case 'hid':
      return address.path === undefined;
    case 'ble':
    case 'ws':
      return address.id === undefined;
    default:
      return address.scheme === 'tcp';
  }
}

export interface AddressTransportOptions {
  /** How long opening a key may wait for it to answer. */
  readonly openTimeoutMs?: number;
  /** The Bluetooth transport; default a new one (noble remembers the keys a scan found: share one per process). */
  readonly bluetooth?: () => NobleTransportKind;
  /** The bridge token and how this program is named to users, for ws addresses. */
  readonly bridge?: { readonly token?: string; readonly client?: string };
  /** Opens `virtual`: the embedding program's simulator, which the bridge never imports. */
  readonly virtual: () => Promise<Transport>;
}

/** The transport that serves an address other than `virtual`. */
function transportKind(address: Exclude<TransportAddress, { scheme: 'virtual' }>, options: AddressTransportOptions): TransportKind {
  const { openTimeoutMs } = options;
  switch (address.scheme) {
    case 'udp':
      return new UdpTransportKind({ addresses: [formatAddress(address)], openTimeoutMs });
    case 'hid':
      return new NodeHidTransportKind({ openTimeoutMs });
    case 'ble':
      return options.bluetooth?.() ?? new NobleTransportKind();
    case 'ble-link':
    case 'tcp':
      return new BleLinkTransportKind({ addresses: [formatBleLinkAddress(address)], timeoutMs: openTimeoutMs });
    case 'ws':
      return new WsTransportKind({ ...options.bridge, url: `${address.secure ? 'wss' : 'ws'}://${address.host}/v1` });
  }
}

/** Opens the one key an address names. */
export async function openAddress(address: TransportAddress, options: AddressTransportOptions): Promise<Transport> {
  if (isPlace(address))
    throw new AddressError('ADDRESS_NOT_A_KEY', 'This address names a place to look for keys, not one key: list the keys there and name one of them.');
  if (address.scheme === 'virtual') return options.virtual();
  return transportKind(address, options).open(address.scheme === 'ws' ? (address.id ?? '') : formatAddress(address));
}

/** The addresses of the keys at a place; a key's address stands for itself. */
export async function listAddresses(address: TransportAddress, options: AddressTransportOptions): Promise<TransportAddress[]> {
  if (!isPlace(address) || address.scheme === 'virtual') return [address];
  const descriptors = await transportKind(address, options).list();
  return descriptors.map((descriptor) => (address.scheme === 'ws' ? { ...address, id: descriptor.id } : parseAddress(descriptor.id)));
}
