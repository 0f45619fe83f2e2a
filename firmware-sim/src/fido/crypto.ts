/**
 * Signing for the FIDO authenticator: P-256 ECDSA (ES256, DER as WebAuthn and U2F expect) and Ed25519 (EdDSA), from
 * @noble (isomorphic: the virtual key also runs in a page). The primitives the PIN protocols share with hosts come
 * from @hkey/protocol.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';

export { constantTimeBytesEqual, hkdfSha256, hmacSha256, p256PrivateKey, p256PublicKey, sha256 } from '@hkey/protocol';

/** ECDSA over SHA-256 of `message`, DER-encoded. */
export function p256Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  return p256.sign(message, privateKey, { format: 'der' });
}

export const ed25519PublicKey = (privateKey: Uint8Array): Uint8Array => ed25519.getPublicKey(privateKey);

export const ed25519Sign = (privateKey: Uint8Array, message: Uint8Array): Uint8Array => ed25519.sign(message, privateKey);
