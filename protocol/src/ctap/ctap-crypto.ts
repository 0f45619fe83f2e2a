/**
 * The primitives both sides of CTAP's PIN/UV auth protocols use (CTAP 2.1 §6.5.6, §6.5.7), from @noble (audited,
 * isomorphic): SHA-256, HMAC-SHA-256, HKDF-SHA-256, AES-256-CBC without padding and P-256 ECDH.
 */
import { cbc } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);

export const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(nobleSha256, key, data);

export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: string, length: number): Uint8Array =>
  hkdf(nobleSha256, ikm, salt, new TextEncoder().encode(info), length);

export function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return cbc(key, iv, { disablePadding: true }).encrypt(plaintext);
}

export function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return cbc(key, iv, { disablePadding: true }).decrypt(ciphertext);
}

/** A P-256 private key from 48 bytes of key material (FIPS 186-5 A.2.1: reduced modulo n, never zero); no point multiplication. */
export function p256PrivateKey(seed: Uint8Array): Uint8Array {
  return p256.utils.randomSecretKey(seed);
}

/** SEC1 uncompressed public key (65 bytes, 0x04 || x || y). */
export function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  return p256.getPublicKey(privateKey, false);
}

/** The x coordinate of the ECDH shared point (CTAP 2.1 §6.5.6: "Z"); throws for a point not on the curve. */
export function p256SharedX(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  return p256.getSharedSecret(privateKey, peerPublicKey, false).slice(1, 33);
}

/** Compares in time that does not depend on where the inputs differ (PIN hashes, MACs). */
export function constantTimeBytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}
