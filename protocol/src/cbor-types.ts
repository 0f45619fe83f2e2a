/**
 * The CBOR data model of HKP/1 (docs/protocol.md §3.2): the only values a message may carry.
 * Integers that fit a JS number safely are numbers; larger ones (up to 2^64-1 and down to -2^64) are bigints.
 * Map keys are unsigned integers 0..255.
 */
export type CborValue = number | bigint | string | Uint8Array | boolean | CborValue[] | CborMap;
export type CborMap = Map<number, CborValue>;
