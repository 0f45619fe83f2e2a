/**
 * Child process of the sharding benchmark: one GetOtp loop per UDP port given (one key each), for a fixed time
 * after a warm-up, in a process of its own so the simulator's CPU is the simulator's. Reads the simulator's CPU
 * time (Linux /proc) when measuring starts and ends, and prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { KeyClient, UdpTransportKind } from '@hkey/bridge';
import { measureLoops } from '../async-measure.js';

const [portList = '', durationArgument = '3000', simPidArgument = '0'] = process.argv.slice(2);
const ports = portList.split(',').map(Number);
const durationMs = Number(durationArgument);
const simPid = Number(simPidArgument);
const WARMUP_MS = 500;
const SECRET = new Uint8Array(20).fill(7);

/** utime + stime of a process in milliseconds (fields 14 and 15 of /proc/PID/stat, in 100 Hz clock ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const clients = await Promise.all(
  ports.map(async (port) => {
    const address = `udp://127.0.0.1:${port}`;
    const client = new KeyClient(await new UdpTransportKind({ addresses: [address] }).open(address));
    const { id } = await client.createAccount({ name: 'bench', otp: { secret: SECRET, kind: 'TOTP' } });
    return { client, id };
  }),
);
let simCpuAtStart = 0;
let clientCpuAtStart = process.cpuUsage();
setTimeout(() => {
  simCpuAtStart = cpuMs(simPid);
  clientCpuAtStart = process.cpuUsage();
}, WARMUP_MS);
const result = await measureLoops(clients.length, (index) => clients[index]!.client.getOtp(clients[index]!.id), durationMs, WARMUP_MS);
const simCpu = cpuMs(simPid) - simCpuAtStart;
const client = process.cpuUsage(clientCpuAtStart);
await Promise.all(clients.map(({ client: each }) => each.transport.close()));
process.stdout.write(`${JSON.stringify({ ...result, simCpuMs: simCpu, clientCpuMs: (client.user + client.system) / 1000, durationMs })}\n`);
