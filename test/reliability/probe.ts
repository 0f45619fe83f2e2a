import { fuzzBase32, fuzzCbor, fuzzMessages, fuzzParameterOracle, fuzzOtpauth, fuzzHidReceiver, fuzzBleLinkReader } from './fuzz/codec-targets.js';
const n = Number(process.argv[2] ?? 5000);
for (const [name, f] of Object.entries({ fuzzBase32, fuzzCbor, fuzzMessages, fuzzParameterOracle, fuzzOtpauth, fuzzHidReceiver, fuzzBleLinkReader })) {
  const t = performance.now(); const cpu0 = process.cpuUsage();
  try { const c = f(n); const ms = performance.now() - t; const cpu = process.cpuUsage(cpu0); const cms = (cpu.user + cpu.system) / 1000; console.log(name, c, ms.toFixed(0) + "ms wall", cms.toFixed(0) + "ms cpu", (c / cms * 1000).toFixed(0) + "/s cpu"); }
  catch (e) { console.log(name, 'FAILED', (e as Error).message.slice(0, 3000)); }
}
