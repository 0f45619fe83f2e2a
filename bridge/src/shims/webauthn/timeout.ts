/**
 * The ceremony's time limit. WebAuthn L3 §5.1.3 leaves it to the client; Chrome clamps the page's timeout to
 * 10 s…10 min and uses 5 min (the spec's suggested default) when there is none. The shim does the same.
 */
import type { CeremonyTimeouts } from './types.js';

const DEFAULT_MS = 300_000;
const MIN_MS = 10_000;
const MAX_MS = 600_000;

export function ceremonyTimeout(requested: number | undefined, limits: CeremonyTimeouts = {}): number {
  const min = limits.minMs ?? MIN_MS;
  const max = limits.maxMs ?? MAX_MS;
  if (requested === undefined) return Math.min(Math.max(limits.defaultMs ?? DEFAULT_MS, min), max);
  return Math.min(Math.max(requested, min), max);
}
