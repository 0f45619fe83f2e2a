/**
 * Load (docs/reliability.md): 100 concurrent WebSocket clients against the bridge and 16 UDP clients against the
 * simulator, loopback only, for a bounded time (HKEY_LOAD_SECONDS, default 30): no response may be lost,
 * duplicated or delivered to the wrong client. Throughput and p99 are printed for the report.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, expect, test } from 'vitest';
import { InProcessSource, KeyClient, UdpTransportKind, WsTransportKind, startBridgeServer } from '@hkey/bridge';
import { VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { Simulator } from '@hkey/firmware-sim/node';

const SECONDS = Number(process.env.HKEY_LOAD_SECONDS ?? 30);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Tally {
  operations: number;
  wrong: number;
  failed: number;
  latencies: number[];
}

/** Each client reads its own account over and over; any answer naming another client's account is misrouted. */
async function hammer(clients: { client: KeyClient; id: number; name: string }[], seconds: number): Promise<Tally & { perSecond: number; p99Ms: number }> {
  const tally: Tally = { operations: 0, wrong: 0, failed: 0, latencies: [] };
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    clients.map(async ({ client, id, name }) => {
      while (performance.now() < until) {
        const begin = performance.now();
        try {
          const account = await client.getAccount(id, { timeoutMs: 5000 });
          if (account.name !== name) tally.wrong += 1;
          tally.operations += 1;
          tally.latencies.push(performance.now() - begin);
        } catch {
          tally.failed += 1;
        }
      }
    }),
  );
  const sorted = tally.latencies.sort((a, b) => a - b);
  return { ...tally, perSecond: tally.operations / ((performance.now() - started) / 1000), p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0 };
}

test(
  `bridge: 100 WebSocket clients for ${SECONDS} s, nothing lost, duplicated or misrouted`,
  async () => {
    const source = new InProcessSource();
    for (let index = 0; index < 100; index++) {
      const key = await VirtualKey.start({ identity: { serial: `HK-LOAD-${index}` } });
      source.add({ id: `load-${index}`, name: 'load key', serial: key.serial, connectHid: () => connectInProcess(key) });
    }
    const bridge = await startBridgeServer({ sources: [source], port: 0 });
    cleanups.push(() => bridge.close());
    const kind = new WsTransportKind({ url: bridge.url, token: bridge.token, client: 'load test' });
    const devices = await kind.list();
    expect(devices).toHaveLength(100);
    const clients = await Promise.all(
      devices.map(async (device, index) => {
        const client = new KeyClient(await kind.open(device));
        cleanups.push(() => client.transport.close());
        const name = `client-${index}`;
        const { id } = await client.createAccount({ name });
        return { client, id, name };
      }),
    );
    const result = await hammer(clients, SECONDS);
    console.log(
      `bridge load: ${result.operations} exchanges, ${Math.round(result.perSecond)}/s, p99 ${result.p99Ms.toFixed(2)} ms, ` +
        `${result.failed} failed, ${result.wrong} misrouted`,
    );
    expect(result.failed).toBe(0);
    expect(result.wrong).toBe(0);
    expect(result.operations).toBeGreaterThan(100);
  },
  (SECONDS + 60) * 1000,
);

test(
  `UDP simulator: 16 clients for ${SECONDS} s, nothing lost, duplicated or misrouted`,
  async () => {
    const simulator = await Simulator.start({ udpPort: 0, blePort: null, devices: 16 });
    cleanups.push(() => simulator.close());
    const clients = await Promise.all(
      simulator.devices.map(async (device, index) => {
        const address = `udp://127.0.0.1:${device.udp.port}`;
        const client = new KeyClient(await new UdpTransportKind({ addresses: [address] }).open(address));
        cleanups.push(() => client.transport.close());
        const name = `udp-client-${index}`;
        const { id } = await client.createAccount({ name });
        return { client, id, name };
      }),
    );
    const result = await hammer(clients, SECONDS);
    console.log(
      `UDP load: ${result.operations} exchanges, ${Math.round(result.perSecond)}/s, p99 ${result.p99Ms.toFixed(2)} ms, ` +
        `${result.failed} failed, ${result.wrong} misrouted`,
    );
    expect(result.failed).toBe(0);
    expect(result.wrong).toBe(0);
    expect(result.operations).toBeGreaterThan(16);
  },
  (SECONDS + 60) * 1000,
);
