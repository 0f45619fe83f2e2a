/**
 * P-256 keys in WebCrypto, imported from the raw bytes the sealed formats carry and kept: a private key per byte
 * array (a key's identity and an issuer's batch reuse theirs), public keys in a bounded map (they are not secret;
 * the bound keeps a long relay from growing it without end). One place for HPKE's ECDH and ECDSA.
 */
import { toBase64Url } from '../base64url.js';

/** The order n of P-256's base point. */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

type P256Algorithm = 'ECDH' | 'ECDSA';

const privateKeys: Record<P256Algorithm, WeakMap<Uint8Array, Promise<CryptoKey>>> = { ECDH: new WeakMap(), ECDSA: new WeakMap() };
const publicKeys = new Map<string, Promise<CryptoKey>>();
const PUBLIC_KEY_CACHE = 256;

/** `privateKey` (32 bytes) with its SEC1 uncompressed `publicKey`, which a JWK import needs. */
export function webCryptoPrivateKey(algorithm: P256Algorithm, privateKey: Uint8Array, publicKey: Uint8Array): Promise<CryptoKey> {
  let key = privateKeys[algorithm].get(privateKey);
  if (key === undefined) {
    const jwk: JsonWebKey = {
      kty: 'EC',
      crv: 'P-256',
      d: toBase64Url(privateKey),
      x: toBase64Url(publicKey.subarray(1, 33)),
      y: toBase64Url(publicKey.subarray(33, 65)),
    };
    key = globalThis.crypto.subtle.importKey('jwk', jwk, { name: algorithm, namedCurve: 'P-256' }, false, algorithm === 'ECDH' ? ['deriveBits'] : ['sign']);
    privateKeys[algorithm].set(privateKey, key);
  }
  return key;
}

/** A SEC1 uncompressed point; rejects (WebCrypto's check) when it is not on the curve. */
export function webCryptoPublicKey(algorithm: P256Algorithm, publicKey: Uint8Array): Promise<CryptoKey> {
  const id = `${algorithm}:${toBase64Url(publicKey)}`;
  let key = publicKeys.get(id);
  if (key === undefined) {
    key = globalThis.crypto.subtle.importKey(
      'raw',
      new Uint8Array(publicKey),
      { name: algorithm, namedCurve: 'P-256' },
      false,
      algorithm === 'ECDH' ? [] : ['verify'],
    );
    if (publicKeys.size >= PUBLIC_KEY_CACHE) publicKeys.delete(publicKeys.keys().next().value as string);
    publicKeys.set(id, key);
    key.catch(() => publicKeys.delete(id));
  }
  return key;
}
