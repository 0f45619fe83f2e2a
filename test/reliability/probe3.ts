import fc from 'fast-check';
import { stateFromJson } from '@hkey/firmware-sim';
import { mutatedJson, checkServable, checkRefusal } from './fuzz/state-targets.js';
const kinds = new Map<string, string>();
const samples = fc.sample(mutatedJson, { numRuns: 30000, seed: 42 });
for (const json of samples) {
  try {
    let state;
    try { state = stateFromJson(json); } catch (e) { checkRefusal(e); continue; }
    await checkServable(state);
  } catch (e) {
    const m = `${(e as Error).name}: ${(e as Error).message}`.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"').slice(0, 160);
    if (!kinds.has(m)) kinds.set(m, JSON.stringify(json).slice(0, 100));
  }
}
for (const [k, v] of kinds) console.log(k, '\n    ', v);
