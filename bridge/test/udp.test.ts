/** The UDP transport kind: addresses, probing, watching, opening. */
import { createSocket } from 'node:dgram';
import { afterEach, expect, test } from 'vitest';
import { Button, HidEndpoint, VirtualKey } from '@hkey/firmware-sim';
import { type UdpHidServer, type UdpPeer, startUdpHidServer } from '@hkey/firmware-sim/node';
import { BridgeError, type DeviceChange, KeyClient, UdpTransportKind, formatUdpAddress, parseUdpAddress } from '@hkey/bridge';

const servers: UdpHidServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function simulator(serial = 'HK-UDP-1'): Promise<{ server: UdpHidServer; address: string }> {
  const key = await VirtualKey.start({ identity: { serial } });
  const server = await startUdpHidServer(new HidEndpoint<UdpPeer>(key), { port: 0 });
  servers.push(server);
  return { server, address: `udp://127.0.0.1:${server.port}` };
}

/** A UDP port on which nothing listens (bound, then closed). */
async function deadAddress(): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return `udp://127.0.0.1:${port}`;
}

test('addresses: udp://host:port, the default port, IPv6, and nothing else', () => {
  expect(parseUdpAddress('udp://127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
  expect(parseUdpAddress('udp://localhost')).toEqual({ host: 'localhost', port: 8111 });
  expect(parseUdpAddress('udp://[::1]:8111')).toEqual({ host: '::1', port: 8111 });
  expect(formatUdpAddress({ host: '::1', port: 8111 })).toBe('udp://[::1]:8111');
  for (const bad of ['http://127.0.0.1:8111', '127.0.0.1:8111', 'udp://127.0.0.1:8111/path', 'udp://', 'udp://host:0']) {
    expect(() => parseUdpAddress(bad), bad).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  }
});

test('list() reports the addresses where a key answers INIT', async () => {
  const one = await simulator();
  const dead = await deadAddress();
  const kind = new UdpTransportKind({ addresses: [one.address, dead] });
  expect(await kind.list()).toEqual([{ id: one.address, transport: 'udp', path: one.address, name: 'Hideez Key over UDP' }]);
});

test('open() by id or descriptor; NOT_FOUND where nothing answers', async () => {
  const { address } = await simulator('HK-UDP-7');
  const kind = new UdpTransportKind({ addresses: [address] });
  const [descriptor] = await kind.list();
  if (descriptor === undefined) throw new Error('the simulator was not found');
  const transport = await kind.open(descriptor);
  expect((await new KeyClient(transport).getInfo()).serial).toBe('HK-UDP-7');
  await transport.close();

  const error = await kind.open(await deadAddress()).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BridgeError);
  expect(error).toMatchObject({ code: 'NOT_FOUND' });
});

test('listen() reports keys that appear and disappear', async () => {
  const { server, address } = await simulator();
  const kind = new UdpTransportKind({ addresses: [address], pollIntervalMs: 50, probeTimeoutMs: 100 });
  const changes: DeviceChange[] = [];
  let notify: () => void = () => undefined;
  const subscription = kind.listen({
    next: (change) => {
      changes.push(change);
      notify();
    },
  });
  const next = (): Promise<void> => new Promise((resolve) => (notify = resolve));
  await next();
  expect(changes.map((change) => [change.type, change.descriptor.id])).toEqual([['add', address]]);
  const removed = next();
  await server.close();
  servers.splice(servers.indexOf(server), 1);
  await removed;
  expect(changes.map((change) => change.type)).toEqual(['add', 'remove']);
  subscription.unsubscribe();
});

test('two hosts share one simulator, each on its own channel', async () => {
  const { address } = await simulator();
  const kind = new UdpTransportKind({ addresses: [address] });
  const [first, second] = await Promise.all([kind.open(address), kind.open(address)]);
  if (first === undefined || second === undefined) throw new Error('open failed');
  expect(first.channel.channelId).not.toBe(second.channel.channelId);
  const [a, b] = [new KeyClient(first), new KeyClient(second)];
  await a.createAccount({ name: 'from a' });
  expect((await b.getInfo()).accountCount).toBe(1);
  await Promise.all([first.close(), second.close()]);
});

test('a host that opens while another one waits for the button is admitted once the key is free (CHANNEL_BUSY retried)', async () => {
  const button = new Button();
  const key = await VirtualKey.start({ presence: button });
  const server = await startUdpHidServer(new HidEndpoint<UdpPeer>(key), { port: 0 });
  servers.push(server);
  const address = `udp://127.0.0.1:${server.port}`;
  const kind = new UdpTransportKind({ addresses: [address], openTimeoutMs: 5_000 });
  const first = await kind.open(address);
  const client = new KeyClient(first);
  const { id } = await client.createAccount({ name: 'site', password: 'pw' });
  const password = client.getPassword(id);
  await new Promise<void>((resolve) => button.onChange((request) => request && resolve()));
  // Probing sees the busy key, and an open with little patience says it is busy rather than absent.
  expect(await new UdpTransportKind({ addresses: [address], probeTimeoutMs: 150 }).list()).toHaveLength(1);
  await expect(new UdpTransportKind({ openTimeoutMs: 150 }).open(address)).rejects.toMatchObject({ code: 'HID_CHANNEL_BUSY' });
  let admitted = false;
  const second = kind.open(address).then((transport) => {
    admitted = true;
    return transport;
  });
  await new Promise((resolve) => setTimeout(resolve, 350));
  expect(admitted).toBe(false);
  button.press();
  await password;
  const transport = await second;
  expect((await new KeyClient(transport).getInfo()).accountCount).toBe(1);
  await Promise.all([first.close(), transport.close()]);
});
