/**
 * Who signs assertions, attestations and U2F answers. Injected so that the authenticator stays isomorphic (the
 * default, @noble, runs in pages and signs deterministically, RFC 6979) while the simulator's Node entry signs with
 * node:crypto, about twenty times faster (BENCHMARKS.md, "Security-key mode").
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';

export interface FidoSigner {
  /** ECDSA P-256 over SHA-256 of `message`, DER-encoded as WebAuthn and U2F expect. */
  p256(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Ed25519 (EdDSA) of `message`, 64 bytes. */
  ed25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
}

export const nobleSigner: FidoSigner = {
  p256: (privateKey, message) => p256.sign(message, privateKey, { format: 'der' }),
  ed25519: (privateKey, message) => ed25519.sign(message, privateKey),
};
