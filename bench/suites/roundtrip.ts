/**
 * Whole GetOtp round trips (client -> framing -> device -> framing -> client): in-process, over UDP with 1 and
 * 16 clients, through the bridge (JSON and binary WebSocket protocols, 1 and 100 clients), and against the
 * simulator slowed to real USB timing, which is the physical reference.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { InProcessSource, KeyClient, UdpTransportKind, WsTransportKind, openVirtualTransport, startBridgeServer } from '@hkey/bridge';
import { REALISTIC_TIMING, VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { Simulator } from '@hkey/firmware-sim/node';
import { type LatencyResult, measureLoops } from '../async-measure.js';
import { markdownRow } from '../harness.js';

const SECRET = new Uint8Array(20).fill(7);
/** As in the load test (test/load.test.ts): 100 programs, each on its own key behind one bridge. */
const BRIDGE_CLIENTS = 100;

export interface RoundTripRow {
  readonly benchmark: string;
  readonly result: LatencyResult;
  readonly reference: string;
  readonly referenceValue: string;
  readonly target: string;
  readonly met: boolean;
}

function rawHotpPerSecond(): number {
  const message = Buffer.alloc(8);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 500) {
    message.writeUInt32BE(n++, 4);
    const mac = createHmac('sha1', SECRET).update(message).digest();
    if (mac.length !== 20) throw new Error('unreachable');
  }
  return (n * 1000) / (performance.now() - start);
}

async function clientWithAccount(open: () => Promise<KeyClient>): Promise<{ client: KeyClient; id: number }> {
  const client = await open();
  const { id } = await client.createAccount({ name: `bench-${Math.random().toString(36).slice(2)}`, otp: { secret: SECRET, kind: 'TOTP' } });
  return { client, id };
}

async function udpClients(simulator: Simulator, count: number, perDevice: boolean) {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const device = simulator.devices[perDevice ? index : 0]!;
      const address = `udp://127.0.0.1:${device.udp.port}`;
      return clientWithAccount(async () => new KeyClient(await new UdpTransportKind({ addresses: [address] }).open(address)));
    }),
  );
}

export async function measureRoundTrips(): Promise<RoundTripRow[]> {
  const rows: RoundTripRow[] = [];
  const raw = rawHotpPerSecond();

  const key = await VirtualKey.start();
  const inProcess = await clientWithAccount(async () => new KeyClient(await openVirtualTransport(connectInProcess(key))));
  const local = await measureLoops(1, () => inProcess.client.getOtp(inProcess.id));
  await inProcess.client.transport.close();
  rows.push({
    benchmark: 'in-process GetOtp round trip, 1 client',
    result: local,
    reference: 'raw createHmac HOTP (ops/s)',
    referenceValue: Math.round(raw).toLocaleString('en-US'),
    target: '>= 50,000/s',
    met: local.perSecond >= 50_000,
  });

  const simulator = await Simulator.start({ udpPort: 0, blePort: null, devices: 16 });
  let udpSingle = 0;
  try {
    for (const count of [1, 16]) {
      const clients = await udpClients(simulator, count, true);
      const result = await measureLoops(count, (worker) => clients[worker]!.client.getOtp(clients[worker]!.id));
      await Promise.all(clients.map(({ client }) => client.transport.close()));
      if (count === 1) udpSingle = result.perSecond;
      rows.push({
        benchmark: `UDP GetOtp, ${count} client${count > 1 ? 's (one key each)' : ''}`,
        result,
        reference: 'USB full-speed key (realistic timing, below)',
        referenceValue: '',
        target: '>= 10,000/s, p99 < 2 ms',
        met: result.perSecond >= 10_000 && result.p99Ms < 2,
      });
    }
  } finally {
    await simulator.close();
  }

  // The bridge: a program on the WebSocket, the key in the bridge's process (as `hkey bridge --virtual 1`), over the
  // JSON protocol and the binary one (hkey.v1.bin); then 100 programs on 100 keys at once.
  const source = new InProcessSource();
  for (let index = 0; index < BRIDGE_CLIENTS; index++) {
    const bridgedKey = await VirtualKey.start({ identity: { serial: `HK-BENCH-${index}` } });
    source.add({ id: `bench-${index}`, name: 'bench key', serial: bridgedKey.serial, connectHid: () => connectInProcess(bridgedKey) });
  }
  const bridge = await startBridgeServer({ sources: [source], port: 0 });
  try {
    for (const binary of [false, true]) {
      const kind = new WsTransportKind({ url: bridge.url, token: bridge.token, client: 'bench', binary });
      const protocol = binary ? 'binary hkey.v1.bin' : 'JSON';
      const ws = await clientWithAccount(async () => new KeyClient(await kind.open('bench-0')));
      const result = await measureLoops(1, () => ws.client.getOtp(ws.id));
      await ws.client.transport.close();
      const ratio = result.perSecond / udpSingle;
      rows.push({
        benchmark: `bridge WebSocket GetOtp (${protocol}), 1 client (${ratio.toFixed(2)}x the UDP figure)`,
        result,
        reference: 'UDP GetOtp, 1 client (above)',
        referenceValue: Math.round(udpSingle).toLocaleString('en-US'),
        target: binary ? 'p99 < 1 ms, >= 0.7x UDP' : 'p99 < 1 ms, >= 0.5x UDP',
        met: result.p99Ms < 1 && ratio >= (binary ? 0.7 : 0.5),
      });
    }
    for (const binary of [false, true]) {
      const kind = new WsTransportKind({ url: bridge.url, token: bridge.token, client: 'bench', binary });
      const clients = await Promise.all(
        Array.from({ length: BRIDGE_CLIENTS }, (_, index) => clientWithAccount(async () => new KeyClient(await kind.open(`bench-${index}`)))),
      );
      const result = await measureLoops(BRIDGE_CLIENTS, (worker) => clients[worker]!.client.getOtp(clients[worker]!.id), 5000);
      await Promise.all(clients.map(({ client }) => client.transport.close()));
      rows.push({
        benchmark: `bridge WebSocket GetOtp (${binary ? 'binary hkey.v1.bin' : 'JSON'}), ${BRIDGE_CLIENTS} clients (one key each), 5 s`,
        result,
        reference: 'UDP GetOtp, 16 clients (above)',
        referenceValue: '',
        target: 'p99 < 10 ms',
        met: result.p99Ms < 10,
      });
    }
  } finally {
    await bridge.close();
  }

  const slow = await Simulator.start({ udpPort: 0, blePort: null, timing: REALISTIC_TIMING });
  try {
    const [usb] = await udpClients(slow, 1, true);
    const result = await measureLoops(1, () => usb!.client.getOtp(usb!.id), 2000);
    await usb!.client.transport.close();
    rows.push({
      benchmark: 'UDP GetOtp against a key at USB full-speed timing (1 ms per report)',
      result,
      reference: 'physical limit: 2 reports x 1 ms',
      referenceValue: '500/s',
      target: '<= 500/s (never faster than the wire)',
      met: result.perSecond <= 500,
    });
    const address = `udp://127.0.0.1:${slow.devices[0]!.udp.port}`;
    const transport = await new UdpTransportKind({ addresses: [address] }).open(address);
    const big = new Uint8Array(7609);
    const ping = await measureLoops(1, () => transport.channel.ping(big), 3000, 300);
    await transport.close();
    rows.push({
      benchmark: '7609-byte PING at USB full-speed timing',
      result: ping,
      reference: 'physical: 129 reports each way x 1 ms',
      referenceValue: '258 ms',
      target: 'about 258 ms',
      met: Math.abs(ping.p50Ms - 258) < 258 * 0.1,
    });
  } finally {
    await slow.close();
  }
  return rows;
}

export function renderRoundTrips(rows: readonly RoundTripRow[]): string {
  const lines = [
    '### Round trips',
    '',
    '| benchmark | round trips/s | p50 ms | p99 ms | reference | reference value | target | met |',
    '| --- | ---: | ---: | ---: | --- | ---: | --- | --- |',
  ];
  for (const row of rows) {
    const { perSecond, p50Ms, p99Ms } = row.result;
    lines.push(
      markdownRow([
        row.benchmark,
        Math.round(perSecond).toLocaleString('en-US'),
        p50Ms.toFixed(3),
        p99Ms.toFixed(3),
        row.reference,
        row.referenceValue,
        row.target,
        row.met ? 'yes' : 'NO',
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}
