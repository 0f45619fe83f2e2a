/** Size limits a strict decoder enforces (docs/protocol.md §3.2.4, §3.3.13, §3.3.14). */
export interface CborLimits {
  /** Deepest allowed nesting of arrays and maps; a top-level map is depth 1. */
  readonly maxDepth: number;
  /** Longest allowed text or byte string, in bytes. */
  readonly maxStringBytes: number;
  /** Most items an array may hold. */
  readonly maxArrayItems: number;
  /** Most key/value pairs a map may hold. */
  readonly maxMapPairs: number;
}

/** The HKP/1 limits (docs/protocol.md §3.2.4); a device must accept everything within them. */
export const DEFAULT_CBOR_LIMITS: Readonly<CborLimits> = Object.freeze({
  maxDepth: 4,
  maxStringBytes: 256,
  maxArrayItems: 32,
  maxMapPairs: 24,
});

/** Deepest nesting a caller may configure: the decoder recurses once per level, so this bounds its stack use. */
export const MAX_CONFIGURABLE_DEPTH = 64;

/** Fills in defaults; a bad limit is a programming error, so it throws RangeError rather than CborError. */
export function resolveCborLimits(limits: Partial<CborLimits> | undefined): Readonly<CborLimits> {
  if (limits === undefined) return DEFAULT_CBOR_LIMITS;
  const resolved: CborLimits = {
    maxDepth: limits.maxDepth ?? DEFAULT_CBOR_LIMITS.maxDepth,
    maxStringBytes: limits.maxStringBytes ?? DEFAULT_CBOR_LIMITS.maxStringBytes,
    maxArrayItems: limits.maxArrayItems ?? DEFAULT_CBOR_LIMITS.maxArrayItems,
    maxMapPairs: limits.maxMapPairs ?? DEFAULT_CBOR_LIMITS.maxMapPairs,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`CBOR limit ${name} must be a non-negative integer, got ${value}.`);
  }
  if (resolved.maxDepth > MAX_CONFIGURABLE_DEPTH) {
    throw new RangeError(`CBOR limit maxDepth must be at most ${MAX_CONFIGURABLE_DEPTH}, got ${resolved.maxDepth}.`);
  }
  return resolved;
}
