/** KeyClient over the BLE transport, end to end against the simulator's BLE link (docs/protocol.md §2, §8.2). */
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AccountFlag, BleCommand, decodeControlPointLength, decodeResponse, encodeRequest, totp } from '@hkey/protocol';
import { type SimulatedDevice, Simulator } from '@hkey/firmware-sim/node';
import {
  BleLinkTransportKind,
  type BleLinkTransportOptions,
  BleTransport,
  BridgeError,
  type GattConnection,
  KeyClient,
  type KeepaliveStatus,
  UdpTransportKind,
  connectBleLinkGatt,
  parseBleLinkAddress,
  parseBleLinkKey,
} from '@hkey/bridge';
import { failure, SECRET, sleep } from './rig.js';

let simulator: Simulator;
let device: SimulatedDevice;
let link: string;
const open: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  simulator = await Simulator.start({ udpPort: 0, blePort: 0 });
  device = simulator.devices[0] as SimulatedDevice;
  link = `tcp://127.0.0.1:${simulator.bleLink?.port}`;
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((transport) => transport.close()));
  await simulator.close();
});

function kind(options: BleLinkTransportOptions = {}): BleLinkTransportKind {
  return new BleLinkTransportKind({ addresses: [link], ...options });
}

async function openKey(options: BleLinkTransportOptions = {}): Promise<{ transport: BleTransport; client: KeyClient }> {
  const transport = await kind(options).open(`ble-link://127.0.0.1:${simulator.bleLink?.port}/${device.key.serial}`);
  open.push(transport);
  return { transport, client: new KeyClient(transport) };
}

/** Every control point write and status notification of one connection, for checking the fragments on the wire. */
interface Wire {
  readonly writes: Uint8Array[];
  readonly notifications: Uint8Array[];
}

/** Opens the key over a connection that records its HKP traffic; `onWrite` runs before each control point write goes out. */
async function openRecorded(mtu: number, onWrite?: (value: Uint8Array, index: number) => void): Promise<{ transport: BleTransport; wire: Wire }> {
  const key = parseBleLinkKey(`ble-link://127.0.0.1:${simulator.bleLink?.port}/${device.key.serial}`);
  const port = await connectBleLinkGatt(key, { mtu });
  const wire: Wire = { writes: [], notifications: [] };
  port.onNotify((value, characteristic) => {
    if (characteristic === 'status') wire.notifications.push(value.slice());
  });
  const recorded: GattConnection = {
    services: port.services,
    get mtu() {
      return port.mtu;
    },
    exchangeMtu: (clientMtu) => port.exchangeMtu(clientMtu),
    read: (characteristic) => port.read(characteristic),
    subscribe: (enable, characteristic) => port.subscribe(enable, characteristic),
    write(value, withResponse, characteristic = 'control-point') {
      if (characteristic === 'control-point') {
        onWrite?.(value, wire.writes.length);
        wire.writes.push(value.slice());
      }
      return port.write(value, withResponse, characteristic);
    },
    onNotify: (listener) => port.onNotify(listener),
    onDisconnect: (listener) => port.onDisconnect(listener),
    onMtuChange: (listener) => port.onMtuChange?.(listener) ?? (() => undefined),
    close: () => port.close(),
  };
  const transport = await BleTransport.open({ id: 'recorded', transport: 'ble' }, recorded);
  open.push(transport);
  return { transport, wire };
}

function bytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 7 + 3) & 0xff);
}

/** SEQ bytes of the continuation fragments of every message in `fragments`. */
const sequences = (fragments: readonly Uint8Array[]): number[] =>
  fragments.filter((fragment) => (fragment[0] as number) < 0x80).map((fragment) => fragment[0] as number);

describe('addresses', () => {
  test('links are tcp://host:port, keys ble-link://host:port/SERIAL', () => {
    expect(parseBleLinkAddress('tcp://127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseBleLinkAddress('tcp://localhost')).toEqual({ host: 'localhost', port: 8112 });
    expect(parseBleLinkKey('ble-link://[::1]:8112/HK-SIM-000001')).toEqual({ host: '::1', port: 8112, serial: 'HK-SIM-000001' });
    for (const bad of ['udp://127.0.0.1:8112', 'tcp://127.0.0.1:8112/x', '127.0.0.1:8112']) {
      expect(() => parseBleLinkAddress(bad), bad).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    }
    for (const bad of ['ble-link://127.0.0.1:8112', 'ble-link://127.0.0.1:8112/', 'tcp://127.0.0.1:8112/HK', 'ble-link://127.0.0.1:8112/a/b']) {
      expect(() => parseBleLinkKey(bad), bad).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    }
  });
});

describe('BLE link transport kind', () => {
  test('list() scans the links; open() takes a descriptor or an id', async () => {
    const descriptors = await kind().list();
    const id = `ble-link://127.0.0.1:${simulator.bleLink?.port}/HK-SIM-000001`;
    expect(descriptors).toEqual([{ id, transport: 'ble', serial: 'HK-SIM-000001', name: 'HK-SIM-000001 (simulator)', path: link }]);
    const transport = await kind().open(descriptors[0] as (typeof descriptors)[number]);
    open.push(transport);
    expect(transport.descriptor).toEqual(descriptors[0]);
    expect((await new KeyClient(transport).getInfo()).serial).toBe('HK-SIM-000001');
    // The default MTU exchange asks for 247: fragments of 244 bytes (the control point takes 509).
    expect(transport.channel.mtu).toBe(247);
    expect(transport.channel.controlPointLength).toBe(509);
    expect(transport.channel.fragmentSize).toBe(244);
  });

  test('NOT_FOUND for an unknown serial or an address where no simulator listens; list() skips such addresses', async () => {
    expect((await failure(kind().open(`ble-link://127.0.0.1:${simulator.bleLink?.port}/HK-NOPE`))).code).toBe('NOT_FOUND');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const deadPort = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect((await failure(kind().open(`ble-link://127.0.0.1:${deadPort}/HK-SIM-000001`))).code).toBe('NOT_FOUND');
    expect(await kind({ addresses: [link, `tcp://127.0.0.1:${deadPort}`] }).list()).toHaveLength(1);
  });

  test('the GATT connection: writes with response are acknowledged, and one longer than the fragment size is refused', async () => {
    const key = parseBleLinkKey(`ble-link://127.0.0.1:${simulator.bleLink?.port}/${device.key.serial}`);
    const port = await connectBleLinkGatt(key, { mtu: 23 });
    await port.subscribe(true);
    const notified = new Promise<Uint8Array>((resolve) => port.onNotify(resolve));
    await port.write(Uint8Array.of(BleCommand.PING, 0, 1, 0x42), true);
    expect(await notified).toEqual(Uint8Array.of(BleCommand.PING, 0, 1, 0x42));
    expect((await failure(port.write(new Uint8Array(21), true))).code).toBe('GATT_INVALID_LENGTH');
    expect(decodeControlPointLength(await port.read('control-point-length'))).toBe(509);
    await port.close();
  });

  test('listen() reports the keys a link advertises, and their removal when the link goes away', async () => {
    const changes: string[] = [];
    let notify: () => void = () => undefined;
    const subscription = kind({ pollIntervalMs: 50 }).listen({
      next: (change) => {
        changes.push(`${change.type} ${change.descriptor.serial}`);
        notify();
      },
    });
    await new Promise<void>((resolve) => (notify = resolve));
    expect(changes).toEqual(['add HK-SIM-000001']);
    const removed = new Promise<void>((resolve) => (notify = resolve));
    await simulator.bleLink?.close();
    await removed;
    expect(changes).toEqual(['add HK-SIM-000001', 'remove HK-SIM-000001']);
    subscription.unsubscribe();
  });
});

describe('KeyClient over BLE', () => {
  test('getInfo, accounts and OTP', async () => {
    const { client } = await openKey();
    expect(await client.getInfo()).toMatchObject({ serial: device.key.serial, protocolVersion: 1, pinState: 'NOT_SET', accountCount: 0 });
    await client.setTime(2_000_000_000);
    const account = await client.createAccount({
      name: 'GitHub',
      login: 'alice',
      otp: { secret: SECRET, kind: 'TOTP', digits: 8, algorithm: 'SHA256', period: 60 },
    });
    expect(await client.getAccount(account.id)).toMatchObject({ name: 'GitHub', login: 'alice' });
    const code = await client.getOtp(account.id);
    const validUntil = Number(code.validUntil);
    expect(code.code).toBe(totp(SECRET, validUntil - 60, { period: 60, digits: 8, algorithm: 'SHA256' }));
    expect((await client.listAccounts()).map((summary) => summary.name)).toEqual(['GitHub']);
  });

  test('a button wait: KEEPALIVE user-presence, then the press answers', async () => {
    const { client, transport } = await openKey();
    const { id } = await client.createAccount({ name: 'mail', password: 'hunter2', otp: { secret: SECRET, kind: 'HOTP' }, flags: AccountFlag.REQUIRES_TOUCH });
    device.setPresencePolicy('button');
    expect((await client.getPassword(id, { onUserPresence: () => device.button.press() })).password).toBe('hunter2');

    const statuses: KeepaliveStatus[] = [];
    const response = await transport.exchange(encodeRequest('GetOtp', { id }), {
      onKeepalive: (status) => {
        statuses.push(status);
        if (status === 'user-presence') device.button.press();
      },
    });
    expect(decodeResponse('GetOtp', response)).toMatchObject({ ok: true, result: { counter: 0 } });
    expect(statuses).toContain('user-presence');
  });

  test('cancel: the running call ends CANCELLED, a queued one leaves without reaching the key, and the link stays in step', async () => {
    const { client } = await openKey();
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    device.setPresencePolicy('button');
    const running = new AbortController();
    const first = client.getPassword(id, { signal: running.signal, onUserPresence: () => running.abort(new Error('user closed the dialog')) });
    const queued = new AbortController();
    const second = client.getInfo({ signal: queued.signal });
    queued.abort();
    const secondError = await failure(second);
    expect(secondError.code).toBe('CANCELLED');
    const firstError = await failure(first);
    expect(firstError.code).toBe('CANCELLED');
    expect((firstError.cause as Error).message).toBe('user closed the dialog');
    expect(device.button.waiting).toBeUndefined();
    // The next call is answered by its own response.
    device.setPresencePolicy('auto-approve');
    expect((await client.getPassword(id)).password).toBe('pw');
  });

  test('timeoutMs gives up a button wait with TIMEOUT', async () => {
    const { client } = await openKey();
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    device.setPresencePolicy('button');
    expect((await failure(client.getPassword(id, { timeoutMs: 200 }))).code).toBe('TIMEOUT');
    expect((await client.getInfo()).accountCount).toBe(1);
  });

  test('ERROR BUSY is retried once the key is free', async () => {
    const { client } = await openKey();
    device.key.linkFaults.busyReplies = 2;
    expect((await client.getInfo()).serial).toBe(device.key.serial);
    expect(device.key.linkFaults.busyReplies).toBe(0);
  });

  test('a lost answer times out; the next call gets its own answer', async () => {
    const { client } = await openKey({ idleTimeoutMs: 400 });
    device.key.linkFaults.add({ kind: 'drop', direction: 'out', transport: 'ble', count: 1 });
    expect((await failure(client.getInfo())).code).toBe('TIMEOUT');
    expect((await client.getInfo()).serial).toBe(device.key.serial);
  });
});

describe('MTU and fragments', () => {
  test('MTU 23: 20-byte fragments, and a 7609-byte PING wraps SEQ from 0x7F to 0 three times', async () => {
    const { transport, wire } = await openRecorded(23);
    expect(transport.channel.fragmentSize).toBe(20);
    const data = bytes(7609);
    await transport.channel.ping(data);
    expect(wire.writes).toHaveLength(401);
    expect(wire.writes.every((fragment) => fragment.length <= 20)).toBe(true);
    expect(wire.writes.slice(0, -1).every((fragment) => fragment.length === 20)).toBe(true);
    expect(wire.writes[0]?.subarray(0, 3)).toEqual(Uint8Array.of(BleCommand.PING, 7609 >> 8, 7609 & 0xff));
    const seq = sequences(wire.writes);
    expect(seq.slice(126, 130)).toEqual([126, 127, 0, 1]);
    expect(seq.filter((value) => value === 0)).toHaveLength(4);
    expect(wire.notifications).toHaveLength(401);
    expect(wire.notifications.every((fragment) => fragment.length <= 20)).toBe(true);
    expect((await new KeyClient(transport).getInfo()).serial).toBe(device.key.serial);
  });

  test.each([
    [185, 182],
    [512, 509],
  ])('MTU %i: fragments of %i bytes both ways', async (mtu, fragmentSize) => {
    const { transport, wire } = await openRecorded(mtu);
    expect(transport.channel.fragmentSize).toBe(fragmentSize);
    await transport.channel.ping(bytes(7609));
    expect(Math.max(...wire.writes.map((fragment) => fragment.length))).toBe(fragmentSize);
    expect(Math.max(...wire.notifications.map((fragment) => fragment.length))).toBe(fragmentSize);
    expect(wire.writes).toHaveLength(1 + Math.ceil((7609 - (fragmentSize - 3)) / (fragmentSize - 1)));
    expect((await new KeyClient(transport).getInfo()).serial).toBe(device.key.serial);
  });

  test('an MTU change mid-session: the next message is cut with the new fragment size', async () => {
    const { transport, wire } = await openRecorded(247);
    const client = new KeyClient(transport);
    await client.getInfo();
    device.ble.changeMtu(23);
    while (transport.channel.mtu !== 23) await sleep(5);
    expect(transport.channel.fragmentSize).toBe(20);
    const before = wire.writes.length;
    await transport.channel.ping(bytes(1000));
    expect(wire.writes.slice(before).every((fragment) => fragment.length <= 20)).toBe(true);
    expect((await client.getInfo()).serial).toBe(device.key.serial);
  });

  test('an MTU that shrinks while a message is being written: the message is written again, cut anew', async () => {
    const { transport, wire } = await openRecorded(247, (_value, index) => {
      if (index === 2) device.ble.changeMtu(23);
    });
    const data = bytes(7609);
    await transport.channel.ping(data);
    const restart = wire.writes.findIndex((fragment, index) => index > 0 && fragment[0] === BleCommand.PING);
    expect(restart).toBeGreaterThan(2);
    expect(wire.writes[restart - 1]).toEqual(Uint8Array.of(BleCommand.CANCEL, 0, 0));
    expect(wire.writes.slice(restart).every((fragment) => fragment.length <= 20)).toBe(true);
    expect((await new KeyClient(transport).getInfo()).serial).toBe(device.key.serial);
  });
});

describe('disconnects and sessions', () => {
  test('the key disconnects mid-exchange: DISCONNECTED, the disconnect event, and a new open() reconnects', async () => {
    const { client, transport } = await openKey();
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    device.setPresencePolicy('button');
    const events: BridgeError[] = [];
    transport.on('disconnect', (error) => events.push(error));
    const pending = client.getPassword(id, { onUserPresence: () => device.disconnect() });
    const error = await failure(pending);
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('disconnected by the control API');
    expect(events.map((event) => event.code)).toEqual(['DISCONNECTED']);
    expect((await failure(client.getInfo())).code).toBe('DISCONNECTED');

    device.setPresencePolicy('auto-approve');
    const again = await openKey();
    expect((await again.client.getPassword(id)).password).toBe('pw');
  });

  test('close() rejects pending calls and cancels the one waiting on the key', async () => {
    const { client, transport } = await openKey();
    const { id } = await client.createAccount({ name: 'mail', password: 'pw' });
    device.setPresencePolicy('button');
    let waiting: () => void = () => undefined;
    const pending = failure(client.getPassword(id, { onUserPresence: () => waiting() }));
    await new Promise<void>((resolve) => (waiting = resolve));
    await transport.close();
    expect((await pending).code).toBe('DISCONNECTED');
    while (device.button.waiting !== undefined) await sleep(5);
  });

  test('HID and BLE sessions are isolated: a PIN verified on one does not unlock the other', async () => {
    const udp = new UdpTransportKind({ addresses: [`udp://127.0.0.1:${device.udp.port}`] });
    const hidTransport = await udp.open(`udp://127.0.0.1:${device.udp.port}`);
    open.push(hidTransport);
    const hid = new KeyClient(hidTransport);
    await hid.setPin({ pin: '1234' });
    await hid.createAccount({ name: 'over HID' });

    const { client: ble } = await openKey();
    expect(await ble.getInfo()).toMatchObject({ pinState: 'SET', locked: true });
    expect((await failure(ble.listAccounts())).code).toBe('PIN_REQUIRED');
    await ble.verifyPin('1234');
    expect((await ble.listAccounts()).map((account) => account.name)).toEqual(['over HID']);

    await hid.lock();
    expect((await failure(hid.listAccounts())).code).toBe('PIN_REQUIRED');
    expect(await ble.listAccounts()).toHaveLength(1);
  });
});
