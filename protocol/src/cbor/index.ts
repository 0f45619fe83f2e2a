export { encodeCbor, encodeMessage } from './encode.js';
export { decodeCbor, decodeMessageParams } from './decode.js';
export { type CborLimits, DEFAULT_CBOR_LIMITS, MAX_CONFIGURABLE_DEPTH } from './limits.js';
export type { CborStatusName } from './cbor-error.js';
