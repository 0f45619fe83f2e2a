/**
 * The credential public key as AuthenticatorAttestationResponse.getPublicKey() returns it (WebAuthn L3 §5.2.1.1):
 * SubjectPublicKeyInfo DER for ES256 (P-256) and EdDSA (Ed25519); null for any other algorithm, as the spec allows.
 */
import { CoseAlgorithm, type CtapMap, concatBytes, cosePublicKeyBytes, decodeCtap } from '@hkey/protocol';
import { fromHex } from '../../bridge-protocol.js';

/** SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (0 unused bits) } header, then the 65-byte point. */
const P256_SPKI_PREFIX = fromHex('3059301306072a8648ce3d020106082a8648ce3d030107034200') as Uint8Array;
/** SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING } header, then the 32-byte key (RFC 8410). */
const ED25519_SPKI_PREFIX = fromHex('302a300506032b6570032100') as Uint8Array;

export interface CredentialPublicKey {
  readonly algorithm: number;
  readonly spki: Uint8Array | null;
}

export function credentialPublicKey(coseKey: Uint8Array): CredentialPublicKey {
  const { alg, publicKey } = cosePublicKeyBytes(decodeCtap(coseKey) as CtapMap);
  if (alg === CoseAlgorithm.ES256 && publicKey.length === 65) return { algorithm: alg, spki: concatBytes(P256_SPKI_PREFIX, publicKey) };
  if (alg === CoseAlgorithm.EdDSA && publicKey.length === 32) return { algorithm: alg, spki: concatBytes(ED25519_SPKI_PREFIX, publicKey) };
  return { algorithm: alg, spki: null };
}
