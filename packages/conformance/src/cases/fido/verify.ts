/**
 * Signature checks with node:crypto, an implementation independent of the @noble code the simulator signs with:
 * packed attestation against the batch certificate in x5c (WebAuthn Level 2 §8.2), assertions against the
 * credential's COSE public key (CTAP 2.1 §6.2.2), and U2F registrations and authentications.
 */
import { type KeyObject, X509Certificate, createPublicKey, verify } from 'node:crypto';
import { CoseAlgorithm, type CtapMap } from '@hkey/protocol';
import { fail } from '../../checks.js';

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** A COSE_Key (EC2 P-256 or OKP Ed25519) as a node:crypto public key. */
export function coseKeyObject(cose: CtapMap): { key: KeyObject; alg: number } {
  const kty = cose.get(1);
  const alg = cose.get(3);
  const crv = cose.get(-1);
  const x = cose.get(-2);
  const y = cose.get(-3);
  if (kty === 2 && alg === CoseAlgorithm.ES256 && crv === 1 && x instanceof Uint8Array && y instanceof Uint8Array && x.length === 32 && y.length === 32) {
    return { key: createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: base64url(x), y: base64url(y) }, format: 'jwk' }), alg };
  }
  if (kty === 1 && alg === CoseAlgorithm.EdDSA && crv === 6 && x instanceof Uint8Array && x.length === 32) {
    return { key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(x) }, format: 'jwk' }), alg };
  }
  fail('a COSE_Key: EC2 P-256 with alg -7, or OKP Ed25519 with alg -8 (RFC 9053)', `kty ${String(kty)}, alg ${String(alg)}, crv ${String(crv)}`);
}

/** ES256 (DER-encoded ECDSA over SHA-256) or EdDSA, as the algorithm says. */
export function signatureVerifies(key: KeyObject, alg: number, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return alg === CoseAlgorithm.EdDSA ? verify(null, message, key, signature) : verify('sha256', message, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** An uncompressed P-256 point (U2F user keys) as a node:crypto public key. */
export function p256KeyObject(point: Uint8Array): KeyObject {
  if (point.length !== 65 || point[0] !== 0x04) fail('an uncompressed P-256 point (65 bytes starting 04)', `${point.length} bytes`);
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33)) }, format: 'jwk' });
}

/** A DER certificate; a malformed one fails the case. */
export function certificate(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (error) {
    fail(`${what} as a DER X.509 certificate`, error instanceof Error ? error.message : String(error));
  }
}
