/**
 * The sealed format's cryptography: HPKE (RFC 9180) base mode with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256 and
 * AES-128-GCM from @hpke/core (isomorphic over WebCrypto, tested against the RFC's vectors by its authors), and
 * ECDSA P-256 / SHA-256 signatures from @noble/curves (already the protocol's curve library).
 */
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../bytes.js';
import { ISSUER_ID_BYTES } from './sealed-header.js';

export const HPKE_INFO = new TextEncoder().encode('hkey sealed item v1');
export const P256_PUBLIC_KEY_BYTES = 65;
export const SIGNATURE_BYTES = 64;

let suite: CipherSuite | undefined;

/** Made on first use: building the suite touches WebCrypto, which a module import must not. */
export function hpkeSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  return suite;
}

export function issuerIdOf(issuerPublicKey: Uint8Array): Uint8Array {
  return sha256(issuerPublicKey).slice(0, ISSUER_ID_BYTES);
}

export function keyHashOf(kemPublicKey: Uint8Array): Uint8Array {
  return sha256(kemPublicKey);
}

/** A P-256 key pair as raw bytes (private 32, public 65 uncompressed), e.g. an issuer's or a key's signing key. */
export interface RawKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function p256KeyPair(privateKey: Uint8Array = p256.utils.randomSecretKey()): RawKeyPair {
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/** `label || message`, signed as ECDSA P-256 / SHA-256, raw r||s, low-S (RFC 6979 deterministic nonces). */
export function signLabelled(label: string, message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return p256.sign(concatBytes(new TextEncoder().encode(label), message), privateKey, { prehash: true, lowS: true });
}

export function verifyLabelled(label: string, message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== P256_PUBLIC_KEY_BYTES) return false;
  try {
    return p256.verify(signature, concatBytes(new TextEncoder().encode(label), message), publicKey, { prehash: true, lowS: true });
  } catch {
    return false;
  }
}

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** HPKE seal to a key's KEM public key; `ephemeralSeed` (32 bytes) makes test vectors reproducible. */
export async function hpkeSeal(
  kemPublicKey: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  ephemeralSeed?: Uint8Array,
): Promise<{ enc: Uint8Array; ciphertext: Uint8Array }> {
  const hpke = hpkeSuite();
  const recipientPublicKey = await hpke.kem.deserializePublicKey(arrayBuffer(kemPublicKey));
  const ekm = ephemeralSeed === undefined ? undefined : await hpke.kem.deriveKeyPair(arrayBuffer(ephemeralSeed));
  const sender = await hpke.createSenderContext({ recipientPublicKey, info: arrayBuffer(HPKE_INFO), ...(ekm === undefined ? {} : { ekm }) });
  const ciphertext = new Uint8Array(await sender.seal(arrayBuffer(plaintext), arrayBuffer(aad)));
  return { enc: new Uint8Array(sender.enc), ciphertext };
}

/** A KEM key pair derived from 32 bytes of key material (RFC 9180 §7.1.3 DeriveKeyPair): a key's `kem` pair at manufacture. */
export async function deriveKemKeyPair(seed: Uint8Array): Promise<RawKeyPair> {
  const hpke = hpkeSuite();
  const pair = await hpke.kem.deriveKeyPair(arrayBuffer(seed));
  return {
    privateKey: new Uint8Array(await hpke.kem.serializePrivateKey(pair.privateKey)),
    publicKey: new Uint8Array(await hpke.kem.serializePublicKey(pair.publicKey)),
  };
}

/** HPKE open with the key's KEM private key; throws (any error) when the ciphertext or aad was changed. */
export async function hpkeOpen(kemPrivateKey: Uint8Array, enc: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const hpke = hpkeSuite();
  const recipientKey = await hpke.kem.deserializePrivateKey(arrayBuffer(kemPrivateKey));
  const recipient = await hpke.createRecipientContext({ recipientKey, enc: arrayBuffer(enc), info: arrayBuffer(HPKE_INFO) });
  return new Uint8Array(await recipient.open(arrayBuffer(ciphertext), arrayBuffer(aad)));
}
