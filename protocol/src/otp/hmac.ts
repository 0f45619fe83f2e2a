import type { OtpAlgorithm } from './algorithm.js';

/**
 * HMAC (RFC 2104) over the OTP hash functions. Injected so the protocol package stays isomorphic: the Node entry
 * binds node:crypto, the browser entry @noble/hashes (docs/protocol.md §7.1).
 */
export type HmacFunction = (algorithm: OtpAlgorithm, key: Uint8Array, message: Uint8Array) => Uint8Array;

/** An HMAC with its key already absorbed. The returned bytes may be overwritten by the next call: read them first. */
export type KeyedHmac = (message: Uint8Array) => Uint8Array;

/** Precomputes per-key state (padded keys, hash midstates) so repeated MACs under one key skip the key setup. */
export type HmacKeyBinder = (algorithm: OtpAlgorithm, key: Uint8Array) => KeyedHmac;

/** What the OTP API needs from a platform: a one-shot HMAC and a way to bind a key for hot loops. */
export interface HmacBackend {
  readonly hmac: HmacFunction;
  readonly bindKey: HmacKeyBinder;
}

/** A backend for any HmacFunction (a hardware HMAC, say); binding just remembers the key. */
export function hmacBackendFromFunction(hmac: HmacFunction): HmacBackend {
  return { hmac, bindKey: (algorithm, key) => (message) => hmac(algorithm, key, message) };
}
