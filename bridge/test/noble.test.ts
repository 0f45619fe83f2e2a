/**
 * NobleTransportKind over a faithful fake of @stoprocent/noble (fake-noble.ts) wired to the simulator's GATT
 * server, so real HKP traffic flows. With HKEY_HARDWARE=ble the shared tests run against a real key through the
 * real noble instead, and the fault tests are skipped (docs/hardware.md).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { BleCommand, HKP_SERVICE_REVISION, decodeControlPointLength, totp } from '@hkey/protocol';
import { BleEndpoint, Button, VirtualKey } from '@hkey/firmware-sim';
import { KeyClient, NobleTransportKind, type NobleTransportOptions, type BleTransport, type DeviceChange, nobleSource, startBridgeServer } from '@hkey/bridge';
import { WebBluetoothTransportKind, bridgeDeviceSource, installWebBluetooth } from '../src/index.browser.js';
import { FakeNoble, type FakePeripheral, type RadioDevice } from './fake-noble.js';
import { failure, SECRET, sleep } from './rig.js';

const HARDWARE = (process.env.HKEY_HARDWARE ?? '').split(',').includes('ble');
const KEY_ID = 'ble://c0ffee000001';

interface FakeRig {
  readonly key: VirtualKey;
  readonly button: Button;
  readonly endpoint: BleEndpoint;
  readonly noble: FakeNoble;
  readonly device: RadioDevice;
  readonly kind: NobleTransportKind;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(
  options: NobleTransportOptions & { adapter?: ConstructorParameters<typeof FakeNoble>[0]; device?: Partial<RadioDevice> } = {},
): Promise<FakeRig> {
  const button = new Button();
  const key = await VirtualKey.start({ presence: button, identity: { serial: 'HK-NOBLE-1' } });
  const endpoint = new BleEndpoint(key);
  const noble = new FakeNoble(options.adapter ?? 'poweredOn');
  cleanups.push(() => noble.shutdown());
  const device: RadioDevice = { id: 'c0ffee000001', address: 'c0:ff:ee:00:00:01', localName: 'Hideez Key', endpoint, ...options.device };
  noble.bringIntoRange(device);
  const kind = new NobleTransportKind({ loadNoble: async () => noble, scanMs: 100, adapterTimeoutMs: 300, openTimeoutMs: 1000, ...options });
  return { key, button, endpoint, noble, device, kind };
}

async function opened(rig: FakeRig, id = KEY_ID): Promise<{ transport: BleTransport; client: KeyClient; peripheral: FakePeripheral }> {
  const transport = await rig.kind.open(id);
  cleanups.push(() => transport.close());
  const peripheral = rig.noble.peripheral(id.slice('ble://'.length));
  if (peripheral === undefined) throw new Error('noble does not know the peripheral');
  return { transport, client: new KeyClient(transport), peripheral };
}

const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, (_, index) => (index * 13) & 0xff);

/** The kind and key the shared tests use: the fake, or with HKEY_HARDWARE=ble the real noble and a real key. */
async function sharedRig(): Promise<{ kind: NobleTransportKind; id: string }> {
  if (!HARDWARE) return { kind: (await fake()).kind, id: KEY_ID };
  const kind = new NobleTransportKind({ scanMs: 5000, adapterTimeoutMs: 10_000, openTimeoutMs: 20_000 });
  const wanted = process.env.HKEY_HARDWARE_KEY;
  const listed = await kind.list();
  const descriptor = listed.find((candidate) => wanted === undefined || candidate.id === wanted);
  if (descriptor === undefined) throw new Error('No HKP key advertises nearby; wake it and check docs/hardware.md.');
  return { kind, id: descriptor.id };
}

describe(`noble transport, shared with real hardware (${HARDWARE ? 'real noble and key' : 'fake noble'})`, { timeout: HARDWARE ? 60_000 : 20_000 }, () => {
  test('list() finds the key by its service UUID; open() by descriptor; GetInfo answers', async () => {
    const { kind, id } = await sharedRig();
    const listed = await kind.list();
    const descriptor = listed.find((candidate) => candidate.id === id);
    expect(descriptor).toMatchObject({ id, transport: 'ble' });
    const transport = await kind.open(descriptor ?? id);
    cleanups.push(() => transport.close());
    const info = await new KeyClient(transport).getInfo();
    expect(info.protocolVersion).toBe(1);
  });

  test('PING of 1 and 7609 bytes at the negotiated MTU; fragments follow min(control point length, MTU − 3)', async () => {
    const { kind, id } = await sharedRig();
    const transport = await kind.open(id);
    cleanups.push(() => transport.close());
    const { channel } = transport;
    expect(channel.fragmentSize).toBe(Math.min(channel.controlPointLength, channel.mtu - 3));
    await channel.ping(Uint8Array.of(0x42));
    await channel.ping(bytes(7609));
  });

  test('close() disconnects; open() connects again', async () => {
    const { kind, id } = await sharedRig();
    const first = await kind.open(id);
    const serial = (await new KeyClient(first).getInfo()).serial;
    await first.close();
    const second = await kind.open(id);
    cleanups.push(() => second.close());
    expect((await new KeyClient(second).getInfo()).serial).toBe(serial);
  });
});

describe.skipIf(HARDWARE)('noble transport over the fake', () => {
  test('scanning filters by the HKP service; the scan stops when list() ends', async () => {
    const rig = await fake();
    rig.noble.bringIntoRange({ id: 'aabbccddeeff', address: 'aa:bb:cc:dd:ee:ff', localName: 'Heart rate', serviceUuids: ['180d'] });
    expect(await rig.kind.list()).toEqual([{ id: KEY_ID, transport: 'ble', name: 'Hideez Key', path: 'c0:ff:ee:00:00:01' }]);
    await expect.poll(() => rig.noble.scanning).toBe(false);
  });

  test("MTU: the largest is asked for (517, as Chrome does) and the key's 512 is in force; a stack keeping 23 gets 20-byte fragments", async () => {
    const rig = await fake();
    const { transport } = await opened(rig);
    expect(transport.channel.mtu).toBe(512);
    expect(transport.channel.fragmentSize).toBe(Math.min(transport.channel.controlPointLength, 509));
    await transport.close();
    rig.noble.stackMtu = 23;
    const again = await opened(rig);
    expect(again.transport.channel.fragmentSize).toBe(20);
    await again.transport.channel.ping(bytes(7609));
  });

  test('accounts, OTP and a button press over noble', async () => {
    const rig = await fake();
    const { client } = await opened(rig);
    await client.setTime(2_000_000_000);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw', otp: { secret: SECRET, kind: 'TOTP' } });
    const code = await client.getOtp(id);
    expect(code.code).toBe(totp(SECRET, Number(code.validUntil) - 30));
    expect((await client.getPassword(id, { onUserPresence: () => rig.button.press() })).password).toBe('pw');
  });

  test('cancel a button wait: CANCELLED, and the next call is answered', async () => {
    const rig = await fake();
    const { client } = await opened(rig);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    const controller = new AbortController();
    const error = await failure(client.getPassword(id, { signal: controller.signal, onUserPresence: () => controller.abort() }));
    expect(error.code).toBe('CANCELLED');
    expect((await client.getInfo()).accountCount).toBe(1);
  });

  test('noble cannot be loaded: NOT_FOUND naming the package; a later call loads it again', async () => {
    const rig = await fake();
    let attempts = 0;
    const kind = new NobleTransportKind({
      scanMs: 50,
      loadNoble: async () => {
        attempts += 1;
        if (attempts === 1) throw Object.assign(new Error("Cannot find module '@stoprocent/noble'"), { code: 'ERR_MODULE_NOT_FOUND' });
        return rig.noble;
      },
    });
    const error = await failure(kind.list());
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('npm install @stoprocent/noble');
    expect(await kind.list()).toHaveLength(1);
  });

  test.each([
    ['unauthorized', 'PERMISSION_DENIED', 'may not use Bluetooth'],
    ['unsupported', 'NOT_FOUND', 'no Bluetooth LE adapter'],
    ['poweredOff', 'NOT_FOUND', 'turned off'],
  ] as const)('adapter %s: %s', async (state, code, words) => {
    const rig = await fake({ adapter: state });
    const error = await failure(rig.kind.open(KEY_ID));
    expect(error.code).toBe(code);
    expect(error.message).toContain(words);
  });

  test('an adapter that is off at first is waited for', async () => {
    const rig = await fake({ adapter: 'poweredOff', adapterTimeoutMs: 2000 });
    setTimeout(() => rig.noble.setAdapterState('poweredOn'), 100);
    expect(await rig.kind.list()).toHaveLength(1);
  });

  test('the adapter goes off mid-exchange: DISCONNECTED and the disconnect event; after it is back, open() finds the key again', async () => {
    const rig = await fake();
    const { client, transport } = await opened(rig);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    const heard: string[] = [];
    transport.on('disconnect', (error) => heard.push(error.code));
    const error = await failure(client.getPassword(id, { onUserPresence: () => rig.noble.setAdapterState('poweredOff') }));
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('adapter went off');
    expect(heard).toEqual(['DISCONNECTED']);
    expect(rig.noble.strayWrites).toBe(0);

    rig.noble.setAdapterState('poweredOn');
    const again = await opened(rig);
    expect((await again.client.getInfo()).accountCount).toBe(1);
  });

  test('the key goes out of range mid-exchange; open() fails while it is away and reconnects when it is back', async () => {
    const rig = await fake({ openTimeoutMs: 200 });
    const { client } = await opened(rig);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    const error = await failure(client.getPassword(id, { onUserPresence: () => rig.noble.takeOutOfRange(rig.device.id) }));
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('connection timeout');

    expect((await failure(rig.kind.open(KEY_ID))).code).toBe('NOT_FOUND');
    rig.noble.bringIntoRange(rig.device);
    const again = await opened(rig);
    expect((await again.client.getInfo()).accountCount).toBe(1);
  });

  test('the key drops the link (unplugged, power cut): DISCONNECTED', async () => {
    const rig = await fake();
    const { client } = await opened(rig);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    const error = await failure(client.getPassword(id, { onUserPresence: () => rig.endpoint.disconnectAll('power lost') }));
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('the key ended the connection');
  });

  test('a write the adapter refuses loses the link: DISCONNECTED', async () => {
    const rig = await fake();
    const { client, peripheral } = await opened(rig);
    peripheral.failWrites = new Error('Command Disallowed (0x0c)');
    expect((await failure(client.getInfo())).code).toBe('DISCONNECTED');
  });

  test('a device that advertises the service without serving it is not an HKP key', async () => {
    const hollow = await fake({ device: { endpoint: undefined } });
    expect((await failure(hollow.kind.open(KEY_ID))).code).toBe('PROTOCOL_VIOLATION');
    const partial = await fake({ device: { characteristics: ['c11f000175034ab4b248398ca4dd13b6'] } });
    expect((await failure(partial.kind.open(KEY_ID))).code).toBe('PROTOCOL_VIOLATION');
  });

  test('ids: NOT_FOUND for another scheme and for a key that never advertises', async () => {
    const rig = await fake({ openTimeoutMs: 150 });
    expect((await failure(rig.kind.open('udp://127.0.0.1:8111'))).code).toBe('NOT_FOUND');
    expect((await failure(rig.kind.open('ble://0123456789ab'))).code).toBe('NOT_FOUND');
    await expect.poll(() => rig.noble.scanning).toBe(false);
  });

  test('an MTU change mid-session, and one in the middle of a message', async () => {
    const rig = await fake();
    const { transport, peripheral } = await opened(rig);
    const writes: Uint8Array[] = [];
    peripheral.onWrite = (value) => writes.push(value);
    rig.endpoint.changeMtu(23);
    await transport.channel.ping(bytes(500));
    expect(writes.every((value) => value.length <= 20)).toBe(true);

    rig.endpoint.changeMtu(247);
    writes.length = 0;
    peripheral.onWrite = (value) => {
      writes.push(value);
      if (writes.length === 3) rig.endpoint.changeMtu(23);
    };
    await transport.channel.ping(bytes(3000));
    const restart = writes.findIndex((value, index) => index > 0 && value[0] === BleCommand.PING);
    expect(writes[restart - 1]).toEqual(Uint8Array.of(BleCommand.CANCEL, 0, 0));
    expect(writes.slice(restart).every((value) => value.length <= 20)).toBe(true);
  });

  test('listen(): a key is added when it advertises and removed when it has been silent', async () => {
    const rig = await fake({ lostAfterMs: 150 });
    const changes: DeviceChange[] = [];
    const subscription = rig.kind.listen({ next: (change) => changes.push(change) });
    cleanups.push(() => subscription.unsubscribe());
    while (changes.length === 0) await sleep(10);
    rig.noble.takeOutOfRange(rig.device.id);
    while (changes.length === 1) await sleep(10);
    expect(changes.map((change) => `${change.type} ${change.descriptor.id}`)).toEqual([`add ${KEY_ID}`, `remove ${KEY_ID}`]);
  });

  test("through the bridge server: a page's Web Bluetooth shim drives the key with GATT operations", async () => {
    const rig = await fake();
    const setup = await opened(rig);
    const { id: accountId } = await setup.client.createAccount({ name: 'ble', otp: { secret: SECRET, kind: 'TOTP' } });
    const keyFragmentSize = setup.transport.channel.fragmentSize;
    await setup.transport.close();
    const options = { loadNoble: async () => rig.noble, scanMs: 100, adapterTimeoutMs: 300, openTimeoutMs: 1000 };
    const server = await startBridgeServer({ sources: [nobleSource(options)], port: 0 });
    cleanups.push(() => server.close());
    const navigator = {};
    const source = bridgeDeviceSource({ url: server.url, token: server.token });
    // The bridge learns of keys as its source finds them, as a page's chooser would see them arrive.
    await vi.waitFor(async () => expect(await source.list()).toHaveLength(1), { timeout: 5000 });
    const { bluetooth } = installWebBluetooth({ source, prompt: 'grant', remember: 'session', requireUserActivation: false }, navigator);
    const kind = new WebBluetoothTransportKind({ bluetooth });
    const transport = await kind.open((await kind.request())!);
    cleanups.push(() => transport.close());
    // The page cannot see the MTU and assumes the largest; noble asked for it, so the page cuts what the key takes.
    expect(transport.channel.fragmentSize).toBe(keyFragmentSize);
    const writes: Uint8Array[] = [];
    const peripheral = rig.noble.peripheral(rig.device.id)!;
    peripheral.onWrite = (value) => writes.push(value);
    const client = new KeyClient(transport);
    expect((await client.getInfo()).serial).toBe('HK-NOBLE-1');
    const now = Math.floor(Date.now() / 1000);
    expect([totp(SECRET, now), totp(SECRET, now - 30)]).toContain((await client.getOtp(accountId)).code);
    expect(writes.length).toBeGreaterThanOrEqual(2);
    await transport.close();
    await vi.waitFor(() => expect(peripheral.state).toBe('disconnected'));
  });

  test('openGattConnection: the MTU in force, reads, a write too long for it, notifications, and the key going away', async () => {
    const rig = await fake();
    const gatt = await rig.kind.openGattConnection(KEY_ID);
    cleanups.push(() => gatt.close());
    expect(await gatt.exchangeMtu(100)).toBe(512);
    expect(new TextDecoder().decode(await gatt.read('service-revision'))).toBe(HKP_SERVICE_REVISION);
    const controlPointLength = decodeControlPointLength(await gatt.read('control-point-length'));
    expect(controlPointLength).toBe(rig.endpoint.controlPointLength);
    expect(await failure(gatt.write(new Uint8Array(510), true))).toMatchObject({ code: 'GATT_WRITE_TOO_LONG' });
    await gatt.subscribe(true);
    const notified = new Promise<Uint8Array>((resolve) => gatt.onNotify(resolve));
    await gatt.write(Uint8Array.of(BleCommand.PING, 0, 1, 0x5a), false);
    expect([...(await notified)]).toEqual([BleCommand.PING, 0, 1, 0x5a]);
    const reasons: string[] = [];
    gatt.onDisconnect((reason) => reasons.push(reason));
    rig.noble.takeOutOfRange(rig.device.id);
    await vi.waitFor(() => expect(reasons).toEqual(['connection timeout']));
    expect(await failure(gatt.read('service-revision'))).toMatchObject({ code: 'DISCONNECTED' });
  });
});
