/**
 * NodeHidTransportKind over a faithful fake of node-hid (fake-node-hid.ts) wired to the simulator's HID interface,
 * so real CTAPHID traffic flows. With HKEY_HARDWARE=hid the shared tests run against a real key through the real
 * node-hid instead, and the fault tests are skipped (docs/hardware.md).
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { totp } from '@hkey/protocol';
import { Button, VirtualKey } from '@hkey/firmware-sim';
import {
  type DeviceChange,
  type HidTransport,
  KeyClient,
  NodeHidTransportKind,
  type NodeHidTransportOptions,
  nodeHidSource,
  startBridgeServer,
} from '@hkey/bridge';
import { WebHidTransportKind, bridgeDeviceSource, installWebHid } from '../src/index.browser.js';
import { FakeNodeHid } from './fake-node-hid.js';
import { failure, SECRET, sleep } from './rig.js';

const HARDWARE = (process.env.HKEY_HARDWARE ?? '').split(',').includes('hid');
const PATH = '/dev/hidraw7';
const KEY_ID = `hid:${PATH}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface FakeRig {
  readonly key: VirtualKey;
  readonly button: Button;
  readonly hid: FakeNodeHid;
  readonly kind: NodeHidTransportKind;
}

async function fake(options: NodeHidTransportOptions = {}): Promise<FakeRig> {
  const button = new Button();
  const key = await VirtualKey.start({ presence: button, identity: { serial: 'HK-USB-1' } });
  const hid = new FakeNodeHid();
  hid.plugKey(PATH, key);
  const kind = new NodeHidTransportKind({ loadNodeHid: async () => hid, ...options });
  return { key, button, hid, kind };
}

async function opened(kind: NodeHidTransportKind, id = KEY_ID): Promise<{ transport: HidTransport; client: KeyClient }> {
  const transport = await kind.open(id);
  cleanups.push(() => transport.close());
  return { transport, client: new KeyClient(transport) };
}

/** The kind and key the shared tests use: the fake, or with HKEY_HARDWARE=hid the real node-hid and a real key. */
async function sharedRig(): Promise<{ kind: NodeHidTransportKind; id: string }> {
  if (!HARDWARE) return { kind: (await fake()).kind, id: KEY_ID };
  const kind = new NodeHidTransportKind();
  const wanted = process.env.HKEY_HARDWARE_KEY;
  const descriptor = (await kind.list()).find((candidate) => wanted === undefined || candidate.id === wanted);
  if (descriptor === undefined) throw new Error('No HKP key is plugged in; check docs/hardware.md.');
  return { kind, id: descriptor.id };
}

describe(`node-hid transport, shared with real hardware (${HARDWARE ? 'real node-hid and key' : 'fake node-hid'})`, () => {
  test('list() finds the key by its HKP usage; open() by descriptor; INIT and GetInfo answer', async () => {
    const { kind, id } = await sharedRig();
    const descriptor = (await kind.list()).find((candidate) => candidate.id === id);
    expect(descriptor).toMatchObject({ id, transport: 'hid' });
    const { transport, client } = await opened(kind, descriptor?.id);
    expect(transport.channel.info.protocolVersion).toBe(2);
    expect((await client.getInfo()).protocolVersion).toBe(1);
  });

  test('PING of the largest message and WINK over CTAPHID', async () => {
    const { kind, id } = await sharedRig();
    const { transport } = await opened(kind, id);
    await transport.channel.ping(Uint8Array.from({ length: 7609 }, (_, index) => index & 0xff));
    await transport.channel.wink();
  });

  test('close() releases the device; open() gets it again', async () => {
    const { kind, id } = await sharedRig();
    const first = await kind.open(id);
    const serial = (await new KeyClient(first).getInfo()).serial;
    await first.close();
    const { client } = await opened(kind, id);
    expect((await client.getInfo()).serial).toBe(serial);
  });
});

describe.skipIf(HARDWARE)('node-hid transport over the fake', () => {
  test('only interfaces with the HKP usage are keys; vendorId and productId narrow the search', async () => {
    const rig = await fake();
    rig.hid.plugOther({
      vendorId: 0x046d,
      productId: 0xc31c,
      path: '/dev/hidraw0',
      product: 'Keyboard',
      release: 1,
      interface: 0,
      usagePage: 0x01,
      usage: 0x06,
    });
    rig.hid.plugOther({
      vendorId: 0x1050,
      productId: 0x0407,
      path: '/dev/hidraw1',
      product: 'FIDO key',
      release: 1,
      interface: 1,
      usagePage: 0xf1d0,
      usage: 0x01,
    });
    const other = await VirtualKey.start({ identity: { serial: 'HK-USB-2' } });
    rig.hid.plugKey('/dev/hidraw8', other, { vendorId: 0x4321 });
    expect(await rig.kind.list()).toEqual([
      { id: KEY_ID, transport: 'hid', serial: 'HK-USB-1', name: 'Hideez Key', path: PATH },
      { id: 'hid:/dev/hidraw8', transport: 'hid', serial: 'HK-USB-2', name: 'Hideez Key', path: '/dev/hidraw8' },
    ]);
    const narrowed = new NodeHidTransportKind({ loadNodeHid: async () => rig.hid, vendorId: 0x4321 });
    expect((await narrowed.list()).map((descriptor) => descriptor.serial)).toEqual(['HK-USB-2']);
    expect(await new NodeHidTransportKind({ loadNodeHid: async () => rig.hid, vendorId: 0x4321, productId: 1 }).list()).toEqual([]);
  });

  test('every write is a report ID 0x00 and one 64-byte report', async () => {
    const rig = await fake();
    const { transport } = await opened(rig.kind);
    await transport.channel.ping(new Uint8Array(300).fill(0xa5));
    const written = rig.hid.written.get(PATH) ?? [];
    expect(written.length).toBeGreaterThan(4);
    expect(written.every((report) => report.length === 65 && report[0] === 0)).toBe(true);
  });

  test('accounts, OTP and a button press over USB', async () => {
    const rig = await fake();
    const { client } = await opened(rig.kind);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw', otp: { secret: SECRET, kind: 'HOTP', counter: 3 } });
    expect((await client.getOtp(id)).counter).toBe(3);
    expect((await client.getPassword(id, { onUserPresence: () => rig.button.press() })).password).toBe('pw');
  });

  test('unplugged mid-exchange: DISCONNECTED and the disconnect event; NOT_FOUND until it is plugged in again', async () => {
    const rig = await fake();
    const { client, transport } = await opened(rig.kind);
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    const heard: string[] = [];
    transport.on('disconnect', (error) => heard.push(error.code));
    const error = await failure(client.getPassword(id, { onUserPresence: () => rig.hid.unplug(PATH) }));
    expect(error.code).toBe('DISCONNECTED');
    expect(heard).toEqual(['DISCONNECTED']);
    expect((await failure(rig.kind.open(KEY_ID))).code).toBe('NOT_FOUND');

    rig.hid.plugKey(PATH, rig.key);
    const again = await opened(rig.kind);
    expect((await again.client.getInfo()).accountCount).toBe(1);
  });

  test('a failed write loses the link: DISCONNECTED', async () => {
    const rig = await fake();
    const { client, transport } = await opened(rig.kind);
    await client.getInfo();
    const [device] = rig.hid.opened(PATH);
    if (device === undefined) throw new Error('the device is not open');
    device.failNextWrite = new Error('Cannot write to hid device');
    expect((await failure(client.getInfo())).code).toBe('DISCONNECTED');
    expect((await failure(transport.exchange(Uint8Array.of(0x01)))).code).toBe('DISCONNECTED');
  });

  test('node-hid missing, or its native library: NOT_FOUND saying what to install', async () => {
    const missing = new NodeHidTransportKind({ loadNodeHid: () => Promise.reject(new Error("Cannot find package 'node-hid'")) });
    const error = await failure(missing.list());
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('npm install node-hid');

    const rig = await fake();
    rig.hid.nativeError = new Error('libusb-1.0.so.0: cannot open shared object file: No such file or directory');
    const native = await failure(rig.kind.list());
    expect(native.code).toBe('NOT_FOUND');
    expect(native.message).toContain('libusb');
    rig.hid.nativeError = undefined;
    expect(await rig.kind.list()).toHaveLength(1);
  });

  test('a device node the user may not open: PERMISSION_DENIED pointing at the udev rule', async () => {
    const rig = await fake();
    rig.hid.denied.add(PATH);
    const error = await failure(rig.kind.open(KEY_ID));
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.message).toContain('udev');
  });

  test('ids: NOT_FOUND for another scheme and for a path with no key', async () => {
    const rig = await fake();
    expect((await failure(rig.kind.open('ble://c0ffee'))).code).toBe('NOT_FOUND');
    expect((await failure(rig.kind.open('hid:/dev/hidraw99'))).code).toBe('NOT_FOUND');
  });

  test('two applications share the key: their own channels, one HID session', async () => {
    const rig = await fake();
    const first = await opened(rig.kind);
    const second = await opened(rig.kind);
    expect(first.transport.channel.channelId).not.toBe(second.transport.channel.channelId);
    await first.client.setPin({ pin: '1234' }, { onUserPresence: () => rig.button.press() });
    expect(await second.client.listAccounts()).toEqual([]);
  });

  test('listen(): keys plugged in and out', async () => {
    const rig = await fake({ pollIntervalMs: 20 });
    const changes: DeviceChange[] = [];
    const subscription = rig.kind.listen({ next: (change) => changes.push(change) });
    cleanups.push(() => subscription.unsubscribe());
    while (changes.length === 0) await sleep(5);
    rig.hid.unplug(PATH);
    while (changes.length === 1) await sleep(5);
    expect(changes.map((change) => `${change.type} ${change.descriptor.id}`)).toEqual([`add ${KEY_ID}`, `remove ${KEY_ID}`]);
  });

  test("through the bridge server: a page's WebHID shim drives the USB key with raw reports and sees its USB identity", async () => {
    const rig = await fake();
    const setup = await opened(rig.kind);
    const { id: accountId } = await setup.client.createAccount({ name: 'usb', otp: { secret: SECRET, kind: 'TOTP' } });
    await setup.transport.close();
    const server = await startBridgeServer({ sources: [nodeHidSource({ loadNodeHid: async () => rig.hid })], port: 0 });
    cleanups.push(() => server.close());
    const navigator = {};
    const source = bridgeDeviceSource({ url: server.url, token: server.token });
    // The bridge learns of keys as its source finds them, as a page's chooser would see them arrive.
    await vi.waitFor(async () => expect(await source.list()).toHaveLength(1), { timeout: 5000 });
    const { hid } = installWebHid({ source, prompt: 'grant', remember: 'session', requireUserActivation: false }, navigator);
    const [device] = await hid.requestDevice({ filters: [{ vendorId: 0x1234 }] });
    expect(device).toMatchObject({ vendorId: 0x1234, productId: 0x5678, productName: 'Hideez Key' });
    const kind = new WebHidTransportKind({ hid });
    const transport = await kind.open((await kind.list())[0]!);
    cleanups.push(() => transport.close());
    const client = new KeyClient(transport);
    const writtenBefore = rig.hid.written.get(PATH)?.length ?? 0;
    expect((await client.getInfo()).serial).toBe('HK-USB-1');
    const now = Math.floor(Date.now() / 1000);
    expect([totp(SECRET, now), totp(SECRET, now - 30)]).toContain((await client.getOtp(accountId)).code);
    // The page's CTAPHID packets went out to the USB device as they were: report ID 0x00, then the 64 bytes.
    const written = rig.hid.written.get(PATH)?.slice(writtenBefore) ?? [];
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(written.every((report) => report.length === 65 && report[0] === 0)).toBe(true);
  });
});
