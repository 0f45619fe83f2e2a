import { fuzzBase32, fuzzCbor, fuzzMessages, fuzzParameterOracle, fuzzOtpauth, fuzzHidReceiver, fuzzBleLinkReader } from './fuzz/codec-targets.js';
const n = Number(process.argv[2] ?? 5000);
for (const [name, f] of Object.entries({ fuzzBase32, fuzzCbor, fuzzMessages, fuzzParameterOracle, fuzzOtpauth, fuzzHidReceiver, fuzzBleLinkReader })) {
  const t = performance.now();
  try { const c = f(n); const ms = performance.now() - t; console.log(name, c, ms.toFixed(0) + 'ms', (c / ms * 1000).toFixed(0) + '/s'); }
  catch (e) { console.log(name, 'FAILED', (e as Error).message.slice(0, 3000)); }
}
