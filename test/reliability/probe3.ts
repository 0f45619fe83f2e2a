import { VirtualKey } from '@hkey/firmware-sim';
import { fuzzHidEndpoint, fuzzBleEndpoint } from './fuzz/transport-targets.js';
const counts = new Map<string, number>();
const origStart = VirtualKey.start;
(VirtualKey as any).start = async (o: any) => { const k = await origStart(o); k.events.subscribe((e) => { if (e.type === 'response') counts.set(`${e.command}:${e.status}`, (counts.get(`${e.command}:${e.status}`) ?? 0) + 1); }); return k; };
const f = process.argv[2] === 'ble' ? fuzzBleEndpoint : fuzzHidEndpoint;
await f(2000);
console.log([...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' '));
