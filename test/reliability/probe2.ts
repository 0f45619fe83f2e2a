import { fuzzBleLinkServer } from './fuzz/link-targets.js';
import { fuzzSeed } from './fuzz/budget.js';
const t = performance.now(); const cpu0 = process.cpuUsage();
try { const n = await fuzzBleLinkServer(Number(process.argv[2] ?? 200));
const cpu = process.cpuUsage(cpu0);
console.log('link', n, (performance.now() - t).toFixed(0), 'ms', ((cpu.user + cpu.system) / 1000).toFixed(0), 'ms cpu'); } catch (e) { console.log('seed', fuzzSeed, 'FAILED', String((e as Error).message).slice(0, 2500)); }
