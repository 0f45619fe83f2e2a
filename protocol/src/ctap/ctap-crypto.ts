/**
 * The primitives both sides of CTAP's PIN/UV auth protocols use (CTAP 2.1 §6.5.6, §6.5.7), from @noble (audited,
 * isomorphic): SHA-256, HMAC-SHA-256, HKDF-SHA-256, AES-256-CBC without padding and P-256 ECDH. AES and P-256 load
 * on first use (noble-lazy.ts), so their functions are async.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nobleAes, nobleP256 } from '../noble-lazy.js';
import { P256_ORDER } from '../sealed/p256-webcrypto.js';

export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);

export const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(nobleSha256, key, data);

export const hkdfSha256 = (ikm: Uint8Array, salt: Uint8Array, info: string, length: number): Uint8Array =>
  hkdf(nobleSha256, ikm, salt, new TextEncoder().encode(info), length);

export async function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  return (await nobleAes()).cbc(key, iv, { disablePadding: true }).encrypt(plaintext);
}

export async function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  return (await nobleAes()).cbc(key, iv, { disablePadding: true }).decrypt(ciphertext);
}

const P256_SEED_BYTES = 48;

/**
 * A P-256 private key from 48 bytes of key material (FIPS 186-5 A.2.1: reduced modulo n - 1, plus one, so never zero),
 * as @noble's p256.utils.randomSecretKey(seed) computes it; no curve arithmetic, so it needs no @noble/curves.
 */
export function p256PrivateKey(seed: Uint8Array): Uint8Array {
  if (seed.length !== P256_SEED_BYTES) throw new RangeError(`A P-256 private key takes ${P256_SEED_BYTES} bytes of key material, not ${seed.length}.`);
  let value = 0n;
  for (const byte of seed) value = (value << 8n) | BigInt(byte);
  value = (value % (P256_ORDER - 1n)) + 1n;
  const privateKey = new Uint8Array(32);
  for (let index = 31; index >= 0; index--, value >>= 8n) privateKey[index] = Number(value & 0xffn);
  return privateKey;
}

/** SEC1 uncompressed public key (65 bytes, 0x04 || x || y). */
export async function p256PublicKey(privateKey: Uint8Array): Promise<Uint8Array> {
  return (await nobleP256()).getPublicKey(privateKey, false);
}

/** The x coordinate of the ECDH shared point (CTAP 2.1 §6.5.6: "Z"); rejects for a point not on the curve. */
export async function p256SharedX(privateKey: Uint8Array, peerPublicKey: Uint8Array): Promise<Uint8Array> {
  return (await nobleP256()).getSharedSecret(privateKey, peerPublicKey, false).slice(1, 33);
}

/** Compares in time that does not depend on where the inputs differ (PIN hashes, MACs). */
export function constantTimeBytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}
