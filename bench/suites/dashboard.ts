/**
 * What one open dashboard costs the simulator (issue 16): UDP GetOtp throughput with the control server running,
 * without and with a client on /v1/dashboard/stream that parses every frame as the page does, in interleaved
 * samples. The page's drawing happens in the browser, not here. On a loaded machine throughput swings with the other
 * processes, so the process's CPU time per GetOtp (client, key and stream together) is reported too: its ratio is the
 * throughput a dedicated core would lose.
 */
import { KeyClient, UdpTransportKind } from '@hkey/bridge';
import { Simulator, startControlServer } from '@hkey/firmware-sim/node';
import WebSocket from 'ws';
import { type LatencyResult, measureLoops } from '../async-measure.js';
import { markdownRow } from '../harness.js';

const SAMPLES = 9;
const SAMPLE_MS = 1000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Throughput, and CPU microseconds of this process per operation. */
async function sample(operation: () => Promise<unknown>): Promise<{ perSecond: number; cpuUs: number }> {
  const before = process.cpuUsage();
  const result: LatencyResult = await measureLoops(1, operation, SAMPLE_MS, 0);
  const used = process.cpuUsage(before);
  return { perSecond: result.perSecond, cpuUs: (used.user + used.system) / result.operations };
}

async function openDashboardStream(url: string, token: string): Promise<{ frames: () => number; close: () => void }> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/dashboard/stream?token=${token}`);
  let frames = 0;
  socket.on('message', (data) => {
    JSON.parse(String(data));
    frames++;
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { frames: () => frames, close: () => socket.close() };
}

export async function renderDashboard(): Promise<string> {
  const simulator = await Simulator.start({ udpPort: 0, blePort: null, devices: 1 });
  const control = await startControlServer(simulator, { port: 0 });
  const address = `udp://127.0.0.1:${simulator.devices[0]!.udp.port}`;
  const client = new KeyClient(await new UdpTransportKind({ addresses: [address] }).open(address));
  const without: { perSecond: number; cpuUs: number }[] = [];
  const withDashboard: { perSecond: number; cpuUs: number }[] = [];
  let frames = 0;
  try {
    const { id } = await client.createAccount({ name: 'bench', otp: { secret: new Uint8Array(20).fill(7), kind: 'TOTP' } });
    await measureLoops(1, () => client.getOtp(id), 300, 0);
    for (let round = 0; round < SAMPLES; round++) {
      without.push(await sample(() => client.getOtp(id)));
      const stream = await openDashboardStream(control.url, control.token);
      withDashboard.push(await sample(() => client.getOtp(id)));
      frames += stream.frames();
      stream.close();
    }
  } finally {
    await client.transport.close();
    await control.close();
    await simulator.close();
  }
  const base = median(without.map((s) => s.perSecond));
  const watched = median(withDashboard.map((s) => s.perSecond));
  const drop = (1 - watched / base) * 100;
  const cpuBase = median(without.map((s) => s.cpuUs));
  const cpuWatched = median(withDashboard.map((s) => s.cpuUs));
  const cpuDrop = (1 - cpuBase / cpuWatched) * 100;
  return [
    '### Dashboard',
    '',
    '| benchmark | value | reference | reference value | drop | target | met |',
    '| --- | ---: | --- | ---: | ---: | --- | --- |',
    markdownRow([
      `UDP GetOtp, 1 client, one dashboard stream open (${frames} frames received)`,
      Math.round(watched).toLocaleString('en-US'),
      'the same without a dashboard (interleaved samples)',
      Math.round(base).toLocaleString('en-US'),
      `${drop.toFixed(1)}%`,
      '< 10%',
      drop < 10 ? 'yes' : 'NO',
    ]),
    markdownRow([
      'CPU time per UDP GetOtp, one dashboard stream open (µs)',
      cpuWatched.toFixed(1),
      'the same without a dashboard',
      cpuBase.toFixed(1),
      `${cpuDrop.toFixed(1)}%`,
      '< 10%',
      cpuDrop < 10 ? 'yes' : 'NO',
    ]),
    '',
  ].join('\n');
}
