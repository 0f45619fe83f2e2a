/**
 * FidoClient over Bluetooth: the key's FIDO GATT service (docs/protocol.md §2.12, CTAP 2.1 §11.4) through the
 * simulator's BLE link (§8.2) and through noble (the fake wired to the simulator's GATT server), next to the HKP
 * service on the same connection.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { AuthenticatorDataFlag, FidoServiceRevision, sha256 } from '@hkey/protocol';
import { BleEndpoint, Button, VirtualKey, autoApprove } from '@hkey/firmware-sim';
import { Simulator } from '@hkey/firmware-sim/node';
import {
  BleLinkTransportKind,
  BleTransport,
  FidoClient,
  type GattConnection,
  KeyClient,
  NobleTransportKind,
  connectBleLinkGatt,
  parseBleLinkKey,
} from '@hkey/bridge';
import { FIDO_UUIDS, FakeNoble, type RadioDevice } from './fake-noble.js';
import { failure, untilWaiting } from './rig.js';
import { alice, expectCancelDuringButtonWait, hashOf, rp } from './fido-rig.js';

const utf8 = new TextEncoder();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface BleFidoRig {
  readonly transport: BleTransport;
  readonly fido: FidoClient;
  readonly key: VirtualKey;
  readonly button: Button;
  /** Every fidoControlPoint write that reached the key. */
  fidoWrites(): Uint8Array[];
}

interface RigOptions {
  /** The ATT_MTU of the connection; default 247 (ble-link) or 512 (noble). */
  readonly mtu?: number;
  readonly presence?: 'auto' | 'button';
}

/** The simulator's BLE link, with a port that records what the FIDO channel writes. */
async function bleLinkRig({ mtu = 247, presence = 'auto' }: RigOptions = {}): Promise<BleFidoRig> {
  const simulator = await Simulator.start({ udpPort: 0, blePort: 0 });
  cleanups.push(() => simulator.close());
  const device = simulator.devices[0];
  if (device === undefined) throw new Error('the simulator has no key');
  if (presence === 'button') device.setPresencePolicy('button');
  const connection = await connectBleLinkGatt(parseBleLinkKey(`ble-link://127.0.0.1:${simulator.bleLink?.port}/${device.key.serial}`), { mtu });
  if (!connection.services.includes('fido')) throw new Error('the simulator offers no FIDO service');
  const writes: Uint8Array[] = [];
  const write: GattConnection['write'] = (value, withResponse, characteristic) => {
    if (characteristic === 'fido-control-point') writes.push(value.slice());
    return connection.write(value, withResponse, characteristic);
  };
  const recorded: GattConnection = Object.create(connection, { write: { value: write } });
  const transport = await BleTransport.open({ id: 'ble-link-fido', transport: 'ble' }, recorded);
  cleanups.push(() => transport.close());
  return { transport, fido: new FidoClient(transport), key: device.key, button: device.button, fidoWrites: () => writes };
}

/** noble (the fake) on a key whose GATT server allows ATT_MTU `mtu`. */
async function nobleRig({ mtu = 512, presence = 'auto' }: RigOptions = {}, device: Partial<RadioDevice> = {}): Promise<BleFidoRig & { noble: FakeNoble }> {
  const button = new Button();
  const key = await VirtualKey.start({ presence: presence === 'button' ? button : autoApprove, identity: { serial: 'HK-NOBLE-FIDO' } });
  const noble = new FakeNoble('poweredOn');
  cleanups.push(() => noble.shutdown());
  noble.bringIntoRange({
    id: 'c0ffee00f1d0',
    address: 'c0:ff:ee:00:f1:d0',
    localName: 'Hideez Key',
    endpoint: new BleEndpoint(key, { maxMtu: mtu }),
    ...device,
  });
  const kind = new NobleTransportKind({ loadNoble: async () => noble, scanMs: 100, adapterTimeoutMs: 300, openTimeoutMs: 1000 });
  const transport = await kind.open('ble://c0ffee00f1d0');
  cleanups.push(() => transport.close());
  const peripheral = noble.peripheral('c0ffee00f1d0');
  const fidoWrites = (): Uint8Array[] => (peripheral?.fidoWrites ?? []).filter((write) => write.uuid === FIDO_UUIDS.controlPoint).map((write) => write.value);
  return {
    transport,
    get fido() {
      return new FidoClient(transport);
    },
    key,
    button,
    fidoWrites,
    noble,
  };
}

const RIGS = { 'ble-link': bleLinkRig, noble: (options?: RigOptions) => nobleRig(options) } as const;

describe.each(Object.keys(RIGS) as (keyof typeof RIGS)[])('FidoClient over BLE (%s)', (name) => {
  const open = RIGS[name];

  test('getInfo, makeCredential and getAssertion over the FIDO service', async () => {
    const { fido } = await open();
    const info = await fido.getInfo();
    expect(info.versions).toEqual(expect.arrayContaining(['U2F_V2', 'FIDO_2_0', 'FIDO_2_1']));
    const registration = await fido.makeCredential({ clientDataHash: hashOf('register'), rp, user: alice });
    expect(registration.authenticatorData.flags & AuthenticatorDataFlag.UP).toBeTruthy();
    expect(registration.authenticatorData.rpIdHash).toEqual(sha256(utf8.encode(rp.id)));
    const assertion = await fido.getAssertion({ rpId: rp.id, clientDataHash: hashOf('login'), allowList: [{ id: registration.credentialId }] });
    expect(assertion.credentialId).toEqual(registration.credentialId);
  });

  test('ATT_MTU 23: every fidoControlPoint write is one 20-byte fragment at most; long requests and answers are reassembled', async () => {
    const { fido, transport, fidoWrites } = await open({ mtu: 23 });
    expect(transport.fidoChannel?.fragmentSize).toBe(20);
    const registration = await fido.makeCredential({ clientDataHash: hashOf('register'), rp, user: alice, excludeList: [{ id: new Uint8Array(64).fill(7) }] });
    // The attestation (certificate and signature) spans dozens of notifications.
    expect(registration.attStmt.get('x5c')).toBeDefined();
    const writes = fidoWrites();
    expect(writes.length).toBeGreaterThan(5);
    expect(Math.max(...writes.map((write) => write.length))).toBeLessThanOrEqual(20);
    // MSG initialisation fragment, then continuations numbered from 0.
    expect(writes[0]?.[0]).toBe(0x83);
    expect(writes[1]?.[0]).toBe(0x00);
  });

  test('CANCEL during the button wait: the key answers KEEPALIVE_CANCEL, the call rejects CANCELLED, the channel carries on', async () => {
    await expectCancelDuringButtonWait(await open({ presence: 'button' }));
  });

  test('U2F over the FIDO service: version, register, authenticate', async () => {
    const { fido } = await open();
    expect(await fido.u2f.version()).toBe('U2F_V2');
    const application = hashOf('https://u2f.example.com');
    const registration = await fido.u2f.register(hashOf('u2f register'), application);
    expect(registration.publicKey).toHaveLength(65);
    expect(await fido.u2f.owns(application, registration.keyHandle)).toBe(true);
    const login = await fido.u2f.authenticate(hashOf('u2f login'), application, registration.keyHandle);
    expect(login.userPresence).toBe(true);
  });

  test('HKP and FIDO on one connection: each service answers on its own while the other waits for the button', async () => {
    const { fido, transport, button } = await open({ presence: 'button' });
    const client = new KeyClient(transport);
    const registering = fido.makeCredential({ clientDataHash: hashOf('both'), rp, user: alice });
    await untilWaiting(button);
    // The key runs one command at a time; the HKP service still answers at once, with DEVICE_BUSY.
    expect((await failure(client.getInfo())).code).toBe('DEVICE_BUSY');
    button.press();
    expect((await registering).credentialId.length).toBeGreaterThan(0);
    expect((await client.getInfo()).protocolVersion).toBe(1);
  });
});

describe('the FIDO service over the simulator BLE link', () => {
  test('BleLinkTransportKind.open gives the transport a fido exchange; GetInfo lists the ble transport', async () => {
    const simulator = await Simulator.start({ udpPort: 0, blePort: 0 });
    cleanups.push(() => simulator.close());
    const kind = new BleLinkTransportKind({ addresses: [`tcp://127.0.0.1:${simulator.bleLink?.port}`] });
    const transport = await kind.open(`ble-link://127.0.0.1:${simulator.bleLink?.port}/${simulator.devices[0]?.key.serial}`);
    cleanups.push(() => transport.close());
    expect(transport.fido).toBeDefined();
    expect((await new FidoClient(transport).getInfo()).transports).toEqual(['usb', 'ble']);
  });
});

describe('the FIDO service through noble', () => {
  test('FIDO2 is selected on fidoServiceRevisionBitfield before the first request', async () => {
    const { fido, noble } = await nobleRig();
    await fido.getInfo();
    const writes = noble.peripheral('c0ffee00f1d0')?.fidoWrites ?? [];
    expect(writes[0]).toEqual({ uuid: FIDO_UUIDS.revisionBitfield, value: Uint8Array.of(FidoServiceRevision.FIDO2) });
    expect(writes[1]?.uuid).toBe(FIDO_UUIDS.controlPoint);
  });

  test('a key without the FIDO service: no fido exchange, FidoClient throws FIDO_UNSUPPORTED, HKP works', async () => {
    const { transport } = await nobleRig({}, { fido: false });
    expect(transport.fido).toBeUndefined();
    expect(() => new FidoClient(transport)).toThrow(expect.objectContaining({ code: 'FIDO_UNSUPPORTED' }));
    expect((await new KeyClient(transport).getInfo()).protocolVersion).toBe(1);
  });
});
