/**
 * Key material of the FIDO authenticator: Ed25519 public keys and deterministic P-256 signatures for the attestation
 * certificates (attestation.ts), from @noble; the primitives the PIN protocols share with hosts come from
 * @hkey/protocol. Credentials sign through the injected FidoSigner (signer.ts).
 */
import { nobleEd25519, nobleSigner } from './signer.js';

export { constantTimeBytesEqual, hkdfSha256, hmacSha256, p256PrivateKey, p256PublicKey, sha256 } from '@hkey/protocol';

/** Deterministic ECDSA (RFC 6979), so certificates come out the same on every install. */
export const p256SignDeterministic = nobleSigner.p256;

export const ed25519PublicKey = async (privateKey: Uint8Array): Promise<Uint8Array> => (await nobleEd25519()).getPublicKey(privateKey);
