/**
 * HPKE (RFC 9180) base mode, single shot, for the one suite sealed items use: DHKEM(P-256, HKDF-SHA256),
 * HKDF-SHA256, AES-128-GCM. Written here rather than taken from @hpke/core because that library spends about
 * 1.2 ms a seal or open on this suite (each HKDF step is an awaited WebCrypto call), eight times what this takes:
 * the ECDH runs in WebCrypto (native in Node and browsers), HKDF and AES-GCM in @noble (synchronous once AES and
 * P-256 have loaded: noble-lazy.ts loads them on first use). The tests
 * check it against @hpke/core both ways and against an opener written from the RFC with node:crypto alone.
 */
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../bytes.js';
import { nobleAes, nobleP256 } from '../noble-lazy.js';
import { P256_ORDER, webCryptoPrivateKey, webCryptoPublicKey } from './p256-webcrypto.js';

const utf8 = new TextEncoder();
const HPKE_V1 = utf8.encode('HPKE-v1');
/** suite_id of the KEM (RFC 9180 §4.1) and of the whole suite (§5.1): KEM 0x0010, KDF 0x0001, AEAD 0x0001. */
const KEM_SUITE = concatBytes(utf8.encode('KEM'), Uint8Array.of(0x00, 0x10));
const HPKE_SUITE = concatBytes(utf8.encode('HPKE'), Uint8Array.of(0x00, 0x10, 0x00, 0x01, 0x00, 0x01));
const EMPTY = new Uint8Array(0);
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;

function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return extract(sha256, concatBytes(HPKE_V1, suite, utf8.encode(label), ikm), salt);
}

function labeledExpand(suite: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
  return expand(sha256, prk, concatBytes(Uint8Array.of(length >> 8, length & 0xff), HPKE_V1, suite, utf8.encode(label), info), length);
}

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

async function dh(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: await webCryptoPublicKey('ECDH', publicKey) }, privateKey, 256));
}

/** RFC 9180 §4.1 ExtractAndExpand, then §5.1 KeySchedule for mode_base: the AEAD key and nonce of a single message. */
function keySchedule(sharedSecretIkm: Uint8Array, enc: Uint8Array, recipientPublicKey: Uint8Array, info: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const eaePrk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', sharedSecretIkm);
  const sharedSecret = labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', concatBytes(enc, recipientPublicKey), 32);
  const context = concatBytes(Uint8Array.of(0), labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY), labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info));
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', EMPTY);
  return { key: labeledExpand(HPKE_SUITE, secret, 'key', context, 16), nonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, 12) };
}

export interface HpkeKeyPair {
  readonly privateKey: Uint8Array;
  /** SEC1 uncompressed. */
  readonly publicKey: Uint8Array;
}

/** RFC 9180 §7.1.3 DeriveKeyPair for P-256: the same key pair from the same input keying material. */
export async function deriveHpkeKeyPair(ikm: Uint8Array): Promise<HpkeKeyPair> {
  const p256 = await nobleP256();
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'dkp_prk', ikm);
  for (let counter = 0; counter < 256; counter++) {
    const candidate = labeledExpand(KEM_SUITE, prk, 'candidate', Uint8Array.of(counter), 32);
    let value = 0n;
    for (const byte of candidate) value = (value << 8n) | BigInt(byte);
    if (value !== 0n && value < P256_ORDER) return { privateKey: candidate, publicKey: p256.getPublicKey(candidate, false) };
  }
  throw new RangeError('DeriveKeyPair found no P-256 key in 256 candidates.');
}

async function ephemeralKey(seed: Uint8Array | undefined): Promise<{ privateKey: CryptoKey; enc: Uint8Array }> {
  if (seed !== undefined) {
    const pair = await deriveHpkeKeyPair(seed);
    return { privateKey: await webCryptoPrivateKey('ECDH', pair.privateKey, pair.publicKey), enc: pair.publicKey };
  }
  const pair = (await subtle().generateKey(ECDH, true, ['deriveBits'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, enc: new Uint8Array(await subtle().exportKey('raw', pair.publicKey)) };
}

/** SealBase (§6.1) of one message; `ephemeralSeed` fixes the ephemeral key (test vectors only). */
export async function hpkeSealBase(
  recipientPublicKey: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  ephemeralSeed?: Uint8Array,
): Promise<{ enc: Uint8Array; ciphertext: Uint8Array }> {
  const ephemeral = await ephemeralKey(ephemeralSeed);
  const { key, nonce } = keySchedule(await dh(ephemeral.privateKey, recipientPublicKey), ephemeral.enc, recipientPublicKey, info);
  return { enc: ephemeral.enc, ciphertext: (await nobleAes()).gcm(key, nonce, aad).encrypt(plaintext) };
}

/** OpenBase (§6.1) of one message; throws when anything was altered. */
export async function hpkeOpenBase(recipient: HpkeKeyPair, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const { key, nonce } = keySchedule(
    await dh(await webCryptoPrivateKey('ECDH', recipient.privateKey, recipient.publicKey), enc),
    enc,
    recipient.publicKey,
    info,
  );
  return (await nobleAes()).gcm(key, nonce, aad).decrypt(ciphertext);
}
