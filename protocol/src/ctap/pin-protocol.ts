/**
 * PIN/UV auth protocols one and two (CTAP 2.1 §6.5.6, §6.5.7), for both sides: the shared secret from ECDH
 * (symmetric: the authenticator passes its private key and the platform's public key, the platform the reverse),
 * encryption of PINs and tokens, and the MACs that prove a request holds the pinUvAuthToken. ECDH and AES are async
 * (their @noble modules load on first use); the MACs stay synchronous.
 */
import { aes256CbcDecrypt, aes256CbcEncrypt, constantTimeBytesEqual, hkdfSha256, hmacSha256, p256SharedX, sha256 } from './ctap-crypto.js';
import { CtapError } from './ctap-error.js';

export interface PinProtocol {
  readonly version: 1 | 2;
  /** The shared secret with the peer's public key (SEC1 uncompressed); INVALID_PARAMETER for a point off the curve. */
  sharedSecret(privateKey: Uint8Array, platformPublicKey: Uint8Array): Promise<Uint8Array>;
  encrypt(sharedSecret: Uint8Array, plaintext: Uint8Array, iv: Uint8Array): Promise<Uint8Array>;
  /** undefined when the ciphertext's length is wrong. */
  decrypt(sharedSecret: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array | undefined>;
  /** The MAC of `message` under `key` (a shared secret or a pinUvAuthToken). */
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;
  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

async function ecdh(privateKey: Uint8Array, platformPublicKey: Uint8Array): Promise<Uint8Array> {
  try {
    return await p256SharedX(privateKey, platformPublicKey);
  } catch {
    throw new CtapError('INVALID_PARAMETER', 'The key-agreement key is not a point on P-256.');
  }
}

const ZERO_IV = new Uint8Array(16);
const ZERO_SALT = new Uint8Array(32);

const one: PinProtocol = {
  version: 1,
  sharedSecret: async (privateKey, platformPublicKey) => sha256(await ecdh(privateKey, platformPublicKey)),
  encrypt: (sharedSecret, plaintext) => aes256CbcEncrypt(sharedSecret, ZERO_IV, plaintext),
  decrypt: async (sharedSecret, ciphertext) =>
    ciphertext.length % 16 === 0 && ciphertext.length > 0 ? aes256CbcDecrypt(sharedSecret, ZERO_IV, ciphertext) : undefined,
  authenticate: (key, message) => hmacSha256(key, message).slice(0, 16),
  verify: (key, message, signature) => signature.length === 16 && constantTimeBytesEqual(hmacSha256(key, message).slice(0, 16), signature),
};

/** Protocol two's shared secret is an HMAC key then an AES key; the token itself is the HMAC key for requests. */
const hmacKey = (key: Uint8Array): Uint8Array => (key.length === 64 ? key.subarray(0, 32) : key);

const two: PinProtocol = {
  version: 2,
  async sharedSecret(privateKey, platformPublicKey) {
    const z = await ecdh(privateKey, platformPublicKey);
    const out = new Uint8Array(64);
    out.set(hkdfSha256(z, ZERO_SALT, 'CTAP2 HMAC key', 32), 0);
    out.set(hkdfSha256(z, ZERO_SALT, 'CTAP2 AES key', 32), 32);
    return out;
  },
  async encrypt(sharedSecret, plaintext, iv) {
    const ciphertext = await aes256CbcEncrypt(sharedSecret.subarray(32), iv, plaintext);
    const out = new Uint8Array(16 + ciphertext.length);
    out.set(iv);
    out.set(ciphertext, 16);
    return out;
  },
  async decrypt(sharedSecret, ciphertext) {
    if (ciphertext.length < 32 || ciphertext.length % 16 !== 0) return undefined;
    return aes256CbcDecrypt(sharedSecret.subarray(32), ciphertext.subarray(0, 16), ciphertext.subarray(16));
  },
  authenticate: (key, message) => hmacSha256(hmacKey(key), message),
  verify: (key, message, signature) => signature.length === 32 && constantTimeBytesEqual(hmacSha256(hmacKey(key), message), signature),
};

/** The protocol for `version`, or undefined for one the key does not offer. */
export function pinProtocol(version: number): PinProtocol | undefined {
  return version === 1 ? one : version === 2 ? two : undefined;
}

export const PIN_PROTOCOLS = [2, 1] as const;
