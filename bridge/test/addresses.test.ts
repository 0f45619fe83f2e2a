/** The address registry: what each scheme parses to, round trips, refusals that quote nothing, and opening. */
import fc from 'fast-check';
import { afterEach, expect, test } from 'vitest';
import { HidEndpoint, VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { type UdpHidServer, type UdpPeer, startUdpHidServer } from '@hkey/firmware-sim/node';
import {
  ADDRESS_SCHEMES,
  ADDRESS_SYNTAX,
  AddressError,
  type AddressTransportOptions,
  HidTransport,
  KeyClient,
  type TransportAddress,
  formatAddress,
  isPlace,
  listAddresses,
  openAddress,
  parseAddress,
} from '@hkey/bridge';

const servers: UdpHidServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

test.each<[string, TransportAddress, boolean]>([
  ['udp://127.0.0.1:8111', { scheme: 'udp', host: '127.0.0.1', port: 8111 }, false],
  ['udp://[::1]:9000', { scheme: 'udp', host: '::1', port: 9000 }, false],
  ['hid', { scheme: 'hid' }, true],
  ['hid:/dev/hidraw3', { scheme: 'hid', path: '/dev/hidraw3' }, false],
  ['hid:\\\\?\\hid#vid_1234&pid_5678', { scheme: 'hid', path: '\\\\?\\hid#vid_1234&pid_5678' }, false],
  ['ble', { scheme: 'ble' }, true],
  ['ble://c0ffee', { scheme: 'ble', id: 'c0ffee' }, false],
  ['ble-link://127.0.0.1:8112/HK-SIM-000001', { scheme: 'ble-link', host: '127.0.0.1', port: 8112, serial: 'HK-SIM-000001' }, false],
  ['tcp://127.0.0.1:8112', { scheme: 'tcp', host: '127.0.0.1', port: 8112 }, true],
  ['ws://127.0.0.1:8120', { scheme: 'ws', secure: false, host: '127.0.0.1:8120' }, true],
  ['wss://bridge.example:9443/virtual-1', { scheme: 'ws', secure: true, host: 'bridge.example:9443', id: 'virtual-1' }, false],
  ['ws://127.0.0.1:8120/udp%3A%2F%2F127.0.0.1%3A8111', { scheme: 'ws', secure: false, host: '127.0.0.1:8120', id: 'udp://127.0.0.1:8111' }, false],
  ['virtual', { scheme: 'virtual' }, false],
])('%s parses, formats back, and is a place: %s', (text, address, place) => {
  expect(parseAddress(text)).toEqual(address);
  expect(formatAddress(address)).toBe(text);
  expect(isPlace(address)).toBe(place);
});

test('written forms that mean the same address format to one spelling', () => {
  expect(formatAddress(parseAddress('udp://127.0.0.1'))).toBe('udp://127.0.0.1:8111');
  expect(formatAddress(parseAddress('tcp://127.0.0.1/'))).toBe('tcp://127.0.0.1:8112');
  expect(formatAddress(parseAddress('ws://127.0.0.1:8120/'))).toBe('ws://127.0.0.1:8120');
  expect(parseAddress('ws://127.0.0.1:8120/a/b')).toMatchObject({ id: 'a/b' });
});

const hostname = fc.oneof(fc.ipV4(), fc.constantFrom('localhost', 'key-host.example', '::1', 'fe80::1'));
const port = fc.integer({ min: 1, max: 65_535 });
const serial = fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }).filter((text) => !text.includes('/') && text !== '.' && text !== '..');
const bridgeHost = fc
  .tuple(
    fc.oneof(fc.ipV4(), fc.constantFrom('localhost', 'bridge.example', '[::1]')),
    port.filter((value) => value !== 80 && value !== 443),
  )
  .map(([name, value]) => `${name}:${value}`);
const address: fc.Arbitrary<TransportAddress> = fc.oneof(
  fc.record({ scheme: fc.constant('udp' as const), host: hostname, port }),
  fc.oneof(fc.constant({ scheme: 'hid' as const }), fc.record({ scheme: fc.constant('hid' as const), path: fc.string({ minLength: 1, unit: 'binary' }) })),
  fc.oneof(fc.constant({ scheme: 'ble' as const }), fc.record({ scheme: fc.constant('ble' as const), id: fc.string({ minLength: 1, unit: 'binary' }) })),
  fc.record({ scheme: fc.constant('ble-link' as const), host: hostname, port, serial }),
  fc.record({ scheme: fc.constant('tcp' as const), host: hostname, port }),
  fc.record({ scheme: fc.constant('ws' as const), secure: fc.boolean(), host: bridgeHost, id: serial }, { requiredKeys: ['scheme', 'secure', 'host'] }),
  fc.constant({ scheme: 'virtual' as const }),
);

test('every address formats to text that parses back to it, and that text is the canonical spelling', () => {
  fc.assert(
    fc.property(address, (original) => {
      const text = formatAddress(original);
      expect(parseAddress(text)).toEqual(original);
      expect(formatAddress(parseAddress(text))).toBe(text);
    }),
    { numRuns: 2000 },
  );
});

test.each([
  ['nonsense', 'ADDRESS_UNKNOWN'],
  ['PLANTED-SECRET', 'ADDRESS_UNKNOWN'],
  ['wss:PLANTED-SECRET', 'ADDRESS_UNKNOWN'],
  ['', 'ADDRESS_UNKNOWN'],
  ['HID', 'ADDRESS_UNKNOWN'],
  ['hidx', 'ADDRESS_UNKNOWN'],
  ['ble:x', 'ADDRESS_UNKNOWN'],
  ['udp:x', 'ADDRESS_UNKNOWN'],
  ['virtualx', 'ADDRESS_UNKNOWN'],
  ['ws:', 'ADDRESS_UNKNOWN'],
  ['udp://', 'ADDRESS_MALFORMED'],
  ['udp://127.0.0.1:9/x', 'ADDRESS_MALFORMED'],
  ['udp://127.0.0.1:0', 'ADDRESS_MALFORMED'],
  ['udp://PLANTED-SECRET@[', 'ADDRESS_MALFORMED'],
  ['hid:', 'ADDRESS_MALFORMED'],
  ['ble://', 'ADDRESS_MALFORMED'],
  ['ble-link://', 'ADDRESS_MALFORMED'],
  ['ble-link://127.0.0.1:9', 'ADDRESS_MALFORMED'],
  ['ble-link://127.0.0.1:9/a/b', 'ADDRESS_MALFORMED'],
  ['tcp://', 'ADDRESS_MALFORMED'],
  ['tcp://127.0.0.1:9/x', 'ADDRESS_MALFORMED'],
  ['ws://[', 'ADDRESS_MALFORMED'],
  ['ws://127.0.0.1:9/%E0%A4%A', 'ADDRESS_MALFORMED'],
  ['ws://127.0.0.1:9/?token=PLANTED-SECRET', 'ADDRESS_MALFORMED'],
  ['ws://127.0.0.1:9/key#PLANTED-SECRET', 'ADDRESS_MALFORMED'],
  ['wss://user:PLANTED-SECRET@127.0.0.1:9', 'ADDRESS_MALFORMED'],
])('%j is refused with %s, in a sentence that quotes none of it', (text, code) => {
  let refusal: unknown;
  try {
    parseAddress(text);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(AddressError);
  expect(refusal).toMatchObject({ code });
  const { message } = refusal as AddressError;
  expect(message).toMatch(/^[A-Z].*\.$/);
  expect(message).not.toContain('PLANTED-SECRET');
  expect(message).not.toContain('%E0');
});

test('the schemes list describes each one with an example of it, and the syntax line names them all', () => {
  expect(ADDRESS_SCHEMES.map((info) => info.scheme)).toEqual(['udp', 'hid', 'ble', 'ble-link', 'tcp', 'ws', 'virtual']);
  for (const info of ADDRESS_SCHEMES) {
    expect(parseAddress(info.example).scheme).toBe(info.scheme);
    expect(info.description).not.toBe('');
    expect(ADDRESS_SYNTAX).toContain(info.syntax);
  }
  expect(ADDRESS_SYNTAX).toBe('udp://HOST:PORT, hid[:PATH], ble[://ID], ble-link://HOST:PORT/SERIAL, tcp://HOST:PORT, ws://HOST:PORT[/ID] or virtual');
});

const noVirtual: AddressTransportOptions = {
  openTimeoutMs: 1000,
  virtual: () => Promise.reject(new Error('no virtual key here')),
};

test('a UDP key opens through the registry; virtual opens with the opener the program supplies', async () => {
  const key = await VirtualKey.start({ identity: { serial: 'HK-ADDR-1' } });
  const server = await startUdpHidServer(new HidEndpoint<UdpPeer>(key), { port: 0 });
  servers.push(server);
  const udp = await openAddress(parseAddress(`udp://127.0.0.1:${server.port}`), noVirtual);
  try {
    expect((await new KeyClient(udp).getInfo()).serial).toBe('HK-ADDR-1');
  } finally {
    await udp.close();
  }
  const virtual = await openAddress(
    { scheme: 'virtual' },
    { ...noVirtual, virtual: () => HidTransport.open({ id: 'virtual', transport: 'virtual' }, connectInProcess(key)) },
  );
  try {
    expect((await new KeyClient(virtual).getInfo()).serial).toBe('HK-ADDR-1');
  } finally {
    await virtual.close();
  }
});

test('a place is listed, not opened; a key address lists as itself', async () => {
  await expect(openAddress(parseAddress('tcp://127.0.0.1:9'), noVirtual)).rejects.toMatchObject({ code: 'ADDRESS_NOT_A_KEY' });
  await expect(openAddress(parseAddress('ws://127.0.0.1:9'), noVirtual)).rejects.toBeInstanceOf(AddressError);
  // Nothing listens on port 9: no simulator there means no keys there.
  expect(await listAddresses(parseAddress('tcp://127.0.0.1:9'), noVirtual)).toEqual([]);
  const key = parseAddress('udp://127.0.0.1:9');
  expect(await listAddresses(key, noVirtual)).toEqual([key]);
});
