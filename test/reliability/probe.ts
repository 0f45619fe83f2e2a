import { fuzzBase32, fuzzCbor, fuzzMessages, fuzzParameterOracle, fuzzOtpauth, fuzzHidReceiver, fuzzBleLinkReader } from './fuzz/codec-targets.js';
import { fuzzKeyParameters } from './fuzz/key-targets.js';
import { fuzzHidEndpoint, fuzzBleEndpoint } from './fuzz/transport-targets.js';
import { fuzzSeed } from './fuzz/budget.js';
const n = Number(process.argv[2] ?? 5000);
console.log('seed', fuzzSeed);
for (const [name, f] of Object.entries({ fuzzBase32, fuzzCbor, fuzzMessages, fuzzParameterOracle, fuzzOtpauth, fuzzHidReceiver, fuzzBleLinkReader, fuzzKeyParameters, fuzzHidEndpoint, fuzzBleEndpoint })) {
  const t = performance.now(); const cpu0 = process.cpuUsage();
  const budget = name.includes('Endpoint') ? n / 50 : name === 'fuzzKeyParameters' ? n / 4 : n;
  try { const c = await f(budget); const ms = performance.now() - t; const cpu = process.cpuUsage(cpu0); const cms = (cpu.user + cpu.system) / 1000; console.log(name, c, ms.toFixed(0) + "ms wall", cms.toFixed(0) + "ms cpu", (c / cms * 1000).toFixed(0) + "/s cpu"); }
  catch (e) { console.log(name, 'FAILED', String((e as Error).message).split('\n').filter(l=>/Got |seed:|Counterexample/.test(l)).join('\n').slice(0, 2000)); }
}
