/**
 * Who signs assertions, attestations and U2F answers. Injected so that the authenticator stays isomorphic (the
 * default, @noble, runs in pages and signs deterministically, RFC 6979) while the simulator's Node entry signs with
 * node:crypto, about twenty times faster (BENCHMARKS.md, "Security-key mode").
 */

export interface FidoSigner {
  /** ECDSA P-256 over SHA-256 of `message`, DER as WebAuthn and U2F expect; the default resolves after loading @noble's P-256 once. */
  p256(privateKey: Uint8Array, message: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Ed25519 (EdDSA) of `message`, 64 bytes; the default resolves later, after loading @noble's Ed25519 once. */
  ed25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * @noble's curves, imported on first use: a static import cost every `hkey sim` start about 5 ms for Ed25519 and 14 ms
 * for P-256, and a key needs P-256 only when it signs, attests, derives its identity or checks an issuer's key.
 */
export const nobleEd25519 = async () => (await import('@noble/curves/ed25519.js')).ed25519;
export const nobleP256 = async () => (await import('@noble/curves/nist.js')).p256;

export const nobleSigner: FidoSigner = {
  p256: async (privateKey, message) => (await nobleP256()).sign(message, privateKey, { format: 'der' }),
  ed25519: async (privateKey, message) => (await nobleEd25519()).sign(message, privateKey),
};
