/**
 * Child process of the sharding benchmark: one loop per UDP port given (one key each) of GetOtp (light work on
 * the key) or FIDO GetAssertion (an ES256 signature on the key), for a fixed time
 * after a warm-up, in a process of its own so the simulator's CPU is the simulator's. Reads the simulator's CPU
 * time (Linux /proc) when measuring starts and ends, and prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { FidoClient, KeyClient, UdpTransportKind } from '@hkey/bridge';
import { measureLoops } from '../async-measure.js';

const [portList = '', durationArgument = '3000', simPidArgument = '0', workload = 'getotp'] = process.argv.slice(2);
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

const clientDataHash = new Uint8Array(32).fill(5);

/** One request to the key of `port`, ready to repeat, and the transport to close. */
async function prepare(port: number): Promise<{ request: () => Promise<unknown>; close: () => Promise<void> }> {
  const address = `udp://127.0.0.1:${port}`;
  const transport = await new UdpTransportKind({ addresses: [address] }).open(address);
  if (workload === 'getassertion') {
    const fido = new FidoClient(transport);
    const rp = { id: 'example.com', name: 'Example' };
    const created = await fido.makeCredential({ clientDataHash, rp, user: { id: new TextEncoder().encode(`user-${port}`), name: 'alice' } });
    const params = { rpId: rp.id, clientDataHash, allowList: [{ id: created.credentialId }] };
    return { request: () => fido.getAssertion(params), close: () => transport.close() };
  }
  const client = new KeyClient(transport);
  const { id } = await client.createAccount({ name: 'bench', otp: { secret: SECRET, kind: 'TOTP' } });
  return { request: () => client.getOtp(id), close: () => transport.close() };
}

const clients = await Promise.all(ports.map(prepare));
let simCpuAtStart = 0;
let clientCpuAtStart = process.cpuUsage();
setTimeout(() => {
  simCpuAtStart = cpuMs(simPid);
  clientCpuAtStart = process.cpuUsage();
}, WARMUP_MS);
const result = await measureLoops(clients.length, (index) => clients[index]!.request(), durationMs, WARMUP_MS);
const simCpu = cpuMs(simPid) - simCpuAtStart;
const client = process.cpuUsage(clientCpuAtStart);
await Promise.all(clients.map((each) => each.close()));
process.stdout.write(`${JSON.stringify({ ...result, simCpuMs: simCpu, clientCpuMs: (client.user + client.system) / 1000, durationMs })}\n`);
