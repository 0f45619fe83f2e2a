/** Keys through the bridge server: HKP exchanges, raw HID reports, GATT operations, hot-plug and unplug. */
import { afterEach, describe, expect, test } from 'vitest';
import {
  BleCommand,
  BleReassembler,
  HKP_SERVICE_REVISION,
  decodeControlPointLength,
  encodeBleMessage,
  encodeRequest,
  decodeResponse,
  totp,
} from '@hkey/protocol';
import { HidEndpoint, connectInProcess, neverPress } from '@hkey/firmware-sim';
import {
  BridgeError,
  DeviceBusyError,
  HidTransport,
  KeyClient,
  type DeviceChange,
  WsTransportKind,
  openBridgeGatt,
  openBridgeHidPort,
  udpSource,
} from '@hkey/bridge';
import { type UdpPeer, startUdpHidServer } from '@hkey/firmware-sim/node';
import { type ServerRig, provisionedKey, serverRig } from './bridge-server-rig.js';
import { SECRET } from './rig.js';

let rig: ServerRig | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await rig?.close();
  rig = undefined;
});

async function start(options: Parameters<typeof serverRig>[0] = {}): Promise<ServerRig> {
  rig = await serverRig(options);
  return rig;
}

const bridgeOptions = (server: ServerRig['server']) => ({ url: server.url, token: server.token, client: 'links test' });

function expectCurrentTotp(code: string): void {
  const now = Math.floor(Date.now() / 1000);
  expect([totp(SECRET, now), totp(SECRET, now - 30)]).toContain(code);
}

describe('WsTransportKind', () => {
  test('lists, opens and runs KeyClient through the bridge', async () => {
    const { server, accountId } = await start({ keys: 2 });
    const kind = new WsTransportKind(bridgeOptions(server));
    const devices = await kind.list();
    expect(devices.map((device) => device.id)).toEqual(['virtual-1', 'virtual-2']);
    expect(devices[0]).toMatchObject({ transport: 'ws', serial: 'HK-SIM-000001' });
    const transport = await kind.open(devices[0]!);
    cleanups.push(() => transport.close());
    const client = new KeyClient(transport);
    expect((await client.getInfo()).serial).toBe('HK-SIM-000001');
    expectCurrentTotp((await client.getOtp(accountId)).code);
  });

  test('a second program gets DeviceBusyError naming the first', async () => {
    const { server } = await start();
    const first = await new WsTransportKind({ ...bridgeOptions(server), client: 'hkey CLI (pid 1)' }).open('virtual-1');
    cleanups.push(() => first.close());
    const error = await new WsTransportKind(bridgeOptions(server)).open('virtual-1').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DeviceBusyError);
    expect((error as DeviceBusyError).holder).toBe('hkey CLI (pid 1) (connection 1)');
  });

  test('keepalives and cancel reach across the bridge', async () => {
    const { server, keys } = await start();
    keys[0]!.presence = neverPress;
    const transport = await new WsTransportKind(bridgeOptions(server)).open('virtual-1');
    cleanups.push(() => transport.close());
    const client = new KeyClient(transport);
    const { id } = await client.createAccount({ name: 'site', password: 'pw' });
    const controller = new AbortController();
    const pending = client.getPassword(id, { signal: controller.signal, onUserPresence: () => controller.abort() });
    expect(await pending.catch((error: BridgeError) => error.code)).toBe('CANCELLED');
    expect((await client.getInfo()).serial).toBe('HK-SIM-000001');
  });

  test('listen reports keys as they come and go; unplugging ends the session', async () => {
    const { server, source } = await start();
    const kind = new WsTransportKind(bridgeOptions(server));
    const changes: DeviceChange[] = [];
    const subscription = kind.listen({ next: (change) => changes.push(change) });
    cleanups.push(() => subscription.unsubscribe());
    await expect.poll(() => changes.length).toBe(1);
    const { key } = await provisionedKey('HK-SIM-000009');
    const ports: ReturnType<typeof connectInProcess>[] = [];
    const remove = source.add({ id: 'virtual-9', connectHid: () => ports[ports.push(connectInProcess(key)) - 1]! });
    await expect.poll(() => changes.map((change) => `${change.type} ${change.descriptor.id}`)).toEqual(['add virtual-1', 'add virtual-9']);
    const transport = await kind.open('virtual-9');
    const disconnected = new Promise<BridgeError>((resolve) => transport.on('disconnect', resolve));
    ports[0]!.close();
    expect((await disconnected).code).toBe('DISCONNECTED');
    remove();
    await expect.poll(() => changes.at(-1)).toMatchObject({ type: 'remove', descriptor: { id: 'virtual-9' } });
    // The lease ended with the session: someone else may open the key again once it is back.
    source.add({ id: 'virtual-9', connectHid: () => connectInProcess(key) });
    const again = await kind.open('virtual-9');
    await again.close();
  });
});

describe('raw links', () => {
  test('the hid link carries raw reports: HidTransport runs CTAPHID over it', async () => {
    const { server, accountId } = await start();
    const port = await openBridgeHidPort(bridgeOptions(server), 'virtual-1');
    const transport = await HidTransport.open({ id: 'virtual-1', transport: 'ws' }, port);
    cleanups.push(() => transport.close());
    expectCurrentTotp((await new KeyClient(transport).getOtp(accountId)).code);
  });

  test('the gatt link carries GATT operations: a hand-framed GetOtp', async () => {
    const { server, accountId } = await start();
    const gatt = await openBridgeGatt(bridgeOptions(server), 'virtual-1');
    cleanups.push(() => gatt.close());
    expect(new TextDecoder().decode(await gatt.read('service-revision'))).toBe(HKP_SERVICE_REVISION);
    const controlPointLength = decodeControlPointLength(await gatt.read('control-point-length'));
    expect(controlPointLength).toBe(244);
    expect(await gatt.exchangeMtu(517)).toBe(512);
    await gatt.subscribe(true);
    const reassembler = new BleReassembler();
    const answer = new Promise<Uint8Array>((resolve) =>
      gatt.onNotify((value) => {
        const result = reassembler.feed(value, Date.now());
        if (result?.type === 'message' && result.cmd === BleCommand.MSG) resolve(result.payload);
      }),
    );
    for (const fragment of encodeBleMessage(BleCommand.MSG, encodeRequest('GetOtp', { id: accountId }), 244)) await gatt.write(fragment, false);
    const response = decodeResponse('GetOtp', await answer);
    expect(response.ok).toBe(true);
    if (response.ok) expectCurrentTotp(response.result.code);
    // A write longer than the ATT_MTU allows is refused before it leaves the host.
    expect(await gatt.write(new Uint8Array(510), true).catch((error: BridgeError) => error.code)).toBe('GATT_WRITE_TOO_LONG');
    expect(await gatt.write(new Uint8Array(300), true).catch((error: BridgeError) => error.code)).toBe('GATT_INVALID_LENGTH');
  });

  test('UDP simulators are a source too', async () => {
    const { key, accountId } = await provisionedKey('HK-SIM-000042');
    const udp = await startUdpHidServer(new HidEndpoint<UdpPeer>(key), { port: 0 });
    cleanups.push(() => udp.close());
    const { server } = await start({ sources: [udpSource({ addresses: [`udp://127.0.0.1:${udp.port}`] })] });
    const kind = new WsTransportKind(bridgeOptions(server));
    await expect.poll(async () => (await kind.list()).map((device) => device.id)).toEqual([`udp://127.0.0.1:${udp.port}`]);
    const transport = await kind.open(`udp://127.0.0.1:${udp.port}`);
    cleanups.push(() => transport.close());
    expectCurrentTotp((await new KeyClient(transport).getOtp(accountId)).code);
  });
});
