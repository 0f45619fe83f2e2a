import { fuzzStateJson, fuzzFileStore } from './fuzz/state-targets.js';
for (const [name, f] of Object.entries({ fuzzStateJson, fuzzFileStore })) {
const t = performance.now(); const cpu0 = process.cpuUsage();
try { const n = await f(Number(process.argv[2] ?? 200));
const cpu = process.cpuUsage(cpu0);
console.log(name, n, (performance.now() - t).toFixed(0), 'ms', ((cpu.user + cpu.system) / 1000).toFixed(0), 'ms cpu'); } catch (e) { console.log(name, 'FAILED', String((e as Error).message).slice(0, 2500)); }
}
