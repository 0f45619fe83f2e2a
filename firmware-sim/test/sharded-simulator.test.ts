/**
 * `hkey sim --workers W` (docs/scaling.md): keys on worker threads behave as keys on the main thread do, through
 * every door a client uses (UDP HID, the BLE link, the control API and its event stream, the dashboard's data,
 * snapshots and state files), while a busy control thread no longer holds them up.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { AccountFlag } from '@hkey/protocol';
import { BleLinkTransportKind, KeyClient, UdpTransportKind } from '@hkey/bridge';
import { type ControlServer, ShardedSimulator, shardCount, startControlServer, startKeyFleet } from '@hkey/firmware-sim/node';
import WebSocket from 'ws';

const SECRET = new Uint8Array(20).fill(9);
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function start(options: Parameters<typeof ShardedSimulator.start>[0]) {
  const fleet = await ShardedSimulator.start(options);
  open.push(fleet);
  const control = await startControlServer(fleet, { port: 0 });
  open.push(control);
  return { fleet, control };
}

async function api(control: ControlServer, method: string, path: string, body?: unknown) {
  const response = await fetch(`${control.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${control.token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function udpClient(port: number): Promise<KeyClient> {
  const address = `udp://127.0.0.1:${port}`;
  const client = new KeyClient(await new UdpTransportKind({ addresses: [address] }).open(address));
  open.push(client.transport);
  return client;
}

describe('ShardedSimulator', () => {
  test('the worker count: one per core by default, never more than keys, at least one', () => {
    expect(shardCount(1, undefined)).toBe(1);
    expect(shardCount(16, 4)).toBe(4);
    expect(shardCount(3, 8)).toBe(3);
    expect(shardCount(5, 0)).toBe(1);
  });

  test('one simulator to its clients: serials, ports and rows in device order, each key answering on its own port', async () => {
    const { fleet, control } = await start({ devices: 5, workers: 2, udpPort: 0, blePort: null });
    expect(fleet.serials).toEqual(['HK-SIM-000001', 'HK-SIM-000002', 'HK-SIM-000003', 'HK-SIM-000004', 'HK-SIM-000005']);
    const devices = (await api(control, 'GET', '/v1/devices')).body as unknown as { serial: string; udp: { port: number } }[];
    expect(devices.map((device) => device.serial)).toEqual(fleet.serials);
    expect(new Set(devices.map((device) => device.udp.port)).size).toBe(5);
    const rows = (await api(control, 'GET', '/v1/dashboard')).body.keys as { serial: string; activity: string }[];
    expect(rows.map((row) => row.serial)).toEqual(fleet.serials);
    for (const device of devices) expect((await (await udpClient(device.udp.port)).getInfo()).serial).toBe(device.serial);
    expect((await api(control, 'GET', '/v1/devices/HK-SIM-000009')).body).toMatchObject({ error: { code: 'DEVICE_NOT_FOUND' } });
    expect((await api(control, 'POST', '/v1/devices/HK-SIM-000004/battery', { percent: 101 })).body).toMatchObject({ error: { code: 'BAD_PARAMETER' } });
  });

  test('keys on workers answer while the control thread is busy', async () => {
    const { fleet } = await start({ devices: 2, workers: 2, udpPort: 0, blePort: null });
    const [, second] = await fleet.describe();
    const client = await udpClient(second!.udp.port);
    await client.getInfo();
    const answered = client.getInfo();
    // Let the request leave, then hold this thread for 300 ms: a key served here could not answer until after.
    await new Promise((resolve) => setImmediate(resolve));
    const holdUntil = Date.now() + 300;
    while (Date.now() < holdUntil);
    await answered;
    const events = (await fleet.control(second!.serial, { method: 'GET', action: 'events', body: {}, query: [] }, new AbortController().signal)) as {
      type: string;
      time: number;
    }[];
    const response = events.filter((event) => event.type === 'response').at(-1);
    expect(response!.time).toBeLessThan(holdUntil - 100);
  });

  test('the control API drives a key on a worker: the button, waits, snapshots and restore, the event stream', async () => {
    const { fleet, control } = await start({ devices: 4, workers: 2, udpPort: 0, blePort: null });
    const serial = 'HK-SIM-000004';
    const [, , , fourth] = await fleet.describe();
    const client = await udpClient(fourth!.udp.port);
    const socket = new WebSocket(`${control.url.replace('http', 'ws')}/v1/events`, { headers: { authorization: `Bearer ${control.token}` } });
    open.push({ close: async () => socket.close() });
    const streamed: { serial: string; type: string; change?: string }[] = [];
    socket.on('message', (data) => streamed.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));

    const { id: snapshot } = (await api(control, 'POST', `/v1/devices/${serial}/snapshots`)).body as { id: string };
    expect((await api(control, 'PUT', `/v1/devices/${serial}/presence`, { policy: 'button' })).body).toEqual({ policy: 'button' });
    const { id } = await client.createAccount({ name: 'mail', otp: { secret: SECRET, kind: 'TOTP' }, flags: AccountFlag.REQUIRES_TOUCH });
    const code = client.getOtp(id);
    const waited = await api(control, 'GET', `/v1/devices/${serial}/events/wait?type=presence&state=waiting&timeoutMs=5000`);
    expect(waited.body).toMatchObject({ type: 'presence', state: 'waiting', serial });
    expect((await api(control, 'GET', `/v1/devices/${serial}`)).body).toMatchObject({ waitingForButton: { kind: 'press' } });
    expect((await api(control, 'POST', `/v1/devices/${serial}/button`, { action: 'press' })).status).toBe(200);
    expect((await code).code).toMatch(/^\d{6}$/);
    expect((await api(control, 'POST', `/v1/devices/${serial}/button`, { action: 'press' })).body).toMatchObject({ error: { code: 'NOT_WAITING' } });

    expect((await api(control, 'GET', `/v1/devices/${serial}`)).body).toMatchObject({ accounts: 1 });
    expect((await api(control, 'POST', `/v1/devices/${serial}/snapshots/${snapshot}/restore`)).status).toBe(200);
    expect((await api(control, 'GET', `/v1/devices/${serial}`)).body).toMatchObject({ accounts: 0 });
    expect((await api(control, 'GET', `/v1/devices/${serial}/events/wait?type=never&timeoutMs=100`)).status).toBe(408);

    // Events of keys on both workers reach the one stream; the first key's battery change too.
    await api(control, 'POST', '/v1/devices/HK-SIM-000001/battery', { percent: 40 });
    await expect.poll(() => streamed.some((event) => event.serial === 'HK-SIM-000001' && event.change === 'battery')).toBe(true);
    expect(streamed.some((event) => event.serial === serial && event.type === 'presence')).toBe(true);
  });

  test("the dashboard's stream: every row first, then the rows of keys that changed, from either worker", async () => {
    const { control } = await start({ devices: 4, workers: 2, udpPort: 0, blePort: null });
    const socket = new WebSocket(`${control.url.replace('http', 'ws')}/v1/dashboard/stream`, { headers: { authorization: `Bearer ${control.token}` } });
    open.push({ close: async () => socket.close() });
    const frames: { rows: { serial: string; battery: number }[]; events: { serial: string }[] }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await expect.poll(() => frames.length).toBeGreaterThan(0);
    expect(frames[0]!.rows.map((row) => row.serial)).toEqual(['HK-SIM-000001', 'HK-SIM-000002', 'HK-SIM-000003', 'HK-SIM-000004']);
    await api(control, 'POST', '/v1/devices/HK-SIM-000004/battery', { percent: 40 });
    await api(control, 'POST', '/v1/devices/HK-SIM-000001/battery', { percent: 60 });
    await expect
      .poll(() => frames.slice(1).flatMap((frame) => frame.rows.map((row) => `${row.serial}:${row.battery}`)))
      .toEqual(expect.arrayContaining(['HK-SIM-000004:40', 'HK-SIM-000001:60']));
  });

  test('a wait ends when its client goes away', async () => {
    const { fleet } = await start({ devices: 2, workers: 2, udpPort: 0, blePort: null });
    const gone = new AbortController();
    const wait = fleet.control('HK-SIM-000002', { method: 'GET', action: 'events/wait', body: {}, query: [['type', 'never']] }, gone.signal);
    gone.abort();
    await expect(wait).rejects.toMatchObject({ code: 'WAIT_TIMEOUT' });
  });

  test('the BLE link reaches keys on every worker', async () => {
    const { fleet } = await start({ devices: 3, workers: 3, udpPort: 0, blePort: 0 });
    const kind = new BleLinkTransportKind({ addresses: [`tcp://127.0.0.1:${fleet.bleLink!.port}`] });
    const found = await kind.list();
    expect(found.map((descriptor) => descriptor.serial).sort()).toEqual(fleet.serials);
    for (const serial of fleet.serials) {
      const client = new KeyClient(await kind.open(`ble-link://127.0.0.1:${fleet.bleLink!.port}/${serial}`));
      open.push(client.transport);
      expect((await client.getInfo()).serial).toBe(serial);
    }
  });

  test('state files: key i keeps FILE-i across restarts, whichever worker runs it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hkey-shards-'));
    open.push({ close: () => rm(dir, { recursive: true, force: true }) });
    const stateFile = join(dir, 'key.json');
    const first = await ShardedSimulator.start({ devices: 3, workers: 2, udpPort: 0, blePort: null, stateFile });
    const third = (await first.describe())[2]!;
    await (await udpClient(third.udp.port)).createAccount({ name: 'kept' });
    await first.close();
    expect((await readdir(dir)).sort()).toEqual(['key-2.json', 'key-3.json', 'key.json']);

    const again = await startKeyFleet({ devices: 3, workers: 3, udpPort: 0, blePort: null, stateFile });
    open.push(again);
    expect((await again.describe()).map((device) => device.accounts)).toEqual([0, 0, 1]);
  });

  test('a port in use stops the start with PORT_IN_USE and leaves no worker behind', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    open.push({ close: () => new Promise<void>((resolve) => taken.close(() => resolve())) });
    const port = taken.address().port;
    // Key 2 (on the second worker) would take the port in use.
    await expect(ShardedSimulator.start({ devices: 2, workers: 2, udpPort: port - 1, blePort: null })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });
});
