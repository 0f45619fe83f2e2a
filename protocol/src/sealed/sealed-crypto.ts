/**
 * The sealed format's cryptography: HPKE (hpke.ts, RFC 9180) and ECDSA P-256 / SHA-256 signatures, raw r || s with
 * low S. Signatures that must be reproducible (receipts, handovers, test vectors) use @noble's RFC 6979 signing;
 * an issuer sealing a batch signs through WebCrypto (randomized, about six times faster here). Every verification
 * runs in WebCrypto (native; @noble's P-256 verify costs about 1.5 ms on this machine) after a low-S check, so a
 * signature has one accepted form. @noble's P-256 loads on first use (noble-lazy.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../bytes.js';
import { nobleP256 } from '../noble-lazy.js';
import { type HpkeKeyPair, deriveHpkeKeyPair, hpkeOpenBase, hpkeSealBase } from './hpke.js';
import { P256_ORDER, webCryptoPrivateKey, webCryptoPublicKey } from './p256-webcrypto.js';
import { ISSUER_ID_BYTES } from './sealed-header.js';

export const HPKE_INFO = new TextEncoder().encode('hkey sealed item v1');
export const P256_PUBLIC_KEY_BYTES = 65;
export const SIGNATURE_BYTES = 64;

const HALF_ORDER = P256_ORDER >> 1n;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

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

/** The pair of `privateKey`, or of a new random one. */
export async function p256KeyPair(privateKey?: Uint8Array): Promise<RawKeyPair> {
  const p256 = await nobleP256();
  const secret = privateKey ?? p256.utils.randomSecretKey();
  return { privateKey: secret, publicKey: p256.getPublicKey(secret, false) };
}

function scalar(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function scalarBytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let index = 31; index >= 0; index--, value >>= 8n) bytes[index] = Number(value & 0xffn);
  return bytes;
}

const utf8 = new TextEncoder();

/** What every signature of the sealed formats covers: a label naming its purpose, then the message. */
function labelled(label: string, message: Uint8Array): Uint8Array {
  return concatBytes(utf8.encode(label), message);
}

/** `label || message`, signed as ECDSA P-256 / SHA-256, raw r||s, low-S, RFC 6979: the same bytes every time. */
export async function signLabelled(label: string, message: Uint8Array, privateKey: Uint8Array): Promise<Uint8Array> {
  return (await nobleP256()).sign(labelled(label, message), privateKey, { prehash: true, lowS: true });
}

/** As signLabelled, with WebCrypto's randomized ECDSA (s brought to its low form): for an issuer sealing many items. */
export async function signLabelledFast(label: string, message: Uint8Array, pair: RawKeyPair): Promise<Uint8Array> {
  const key = webCryptoPrivateKey('ECDSA', pair.privateKey, pair.publicKey);
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign(ECDSA_SHA256, await key, new Uint8Array(labelled(label, message))));
  const s = scalar(signature.subarray(32));
  if (s > HALF_ORDER) signature.set(scalarBytes(P256_ORDER - s), 32);
  return signature;
}

/** True when `signature` is the low-S ECDSA signature of `label || message` under `publicKey`; false for anything malformed. */
export async function verifyLabelled(label: string, message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== P256_PUBLIC_KEY_BYTES) return false;
  const r = scalar(signature.subarray(0, 32));
  const s = scalar(signature.subarray(32));
  if (r === 0n || r >= P256_ORDER || s === 0n || s > HALF_ORDER) return false;
  try {
    return await globalThis.crypto.subtle.verify(
      ECDSA_SHA256,
      await webCryptoPublicKey('ECDSA', publicKey),
      new Uint8Array(signature),
      new Uint8Array(labelled(label, message)),
    );
  } catch {
    return false;
  }
}

/** HPKE seal to a key's KEM public key; `ephemeralSeed` (32 bytes) makes test vectors reproducible. */
export function hpkeSeal(
  kemPublicKey: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  ephemeralSeed?: Uint8Array,
): Promise<{ enc: Uint8Array; ciphertext: Uint8Array }> {
  return hpkeSealBase(kemPublicKey, HPKE_INFO, aad, plaintext, ephemeralSeed);
}

/** A KEM key pair derived from 32 bytes of key material (RFC 9180 §7.1.3 DeriveKeyPair): a key's `kem` pair at manufacture. */
export async function deriveKemKeyPair(seed: Uint8Array): Promise<RawKeyPair> {
  return deriveHpkeKeyPair(seed);
}

/** HPKE open with the key's KEM key pair; throws (any error) when the ciphertext or aad was changed. */
export function hpkeOpen(kem: HpkeKeyPair, enc: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  return hpkeOpenBase(kem, enc, HPKE_INFO, aad, ciphertext);
}
