/**
 * Who signs assertions, attestations and U2F answers. Injected so that the authenticator stays isomorphic (the
 * default, @noble, runs in pages and signs deterministically, RFC 6979) while the simulator's Node entry signs with
 * node:crypto, about twenty times faster (BENCHMARKS.md, "Security-key mode").
 */
import { p256 } from '@noble/curves/nist.js';

export interface FidoSigner {
  /** ECDSA P-256 over SHA-256 of `message`, DER-encoded as WebAuthn and U2F expect. */
  p256(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Ed25519 (EdDSA) of `message`, 64 bytes; the default resolves later, after loading @noble's Ed25519 once. */
  ed25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * @noble's Ed25519, imported when an EdDSA credential is first made or used: few are, and a static import cost every
 * `hkey sim` start about 5 ms (@noble's P-256 comes with @hkey/protocol anyway).
 */
export const nobleEd25519 = async () => (await import('@noble/curves/ed25519.js')).ed25519;

export const nobleSigner: FidoSigner = {
  p256: (privateKey, message) => p256.sign(message, privateKey, { format: 'der' }),
  ed25519: async (privateKey, message) => (await nobleEd25519()).sign(message, privateKey),
};
