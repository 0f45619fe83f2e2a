/**
 * A FidoSigner on node:crypto (OpenSSL), about twenty times faster than @noble for P-256 (BENCHMARKS.md). Raw private
 * keys become KeyObjects through a fixed PKCS#8 prefix (RFC 5208 / RFC 5915 without the optional public key, which
 * OpenSSL derives; RFC 8410 for Ed25519), cached by the key's bytes object (the authenticator keeps one per credential
 * it has opened, and one for the attestation key) so a credential that signs again skips the import.
 */
import { type KeyObject, createPrivateKey, sign } from 'node:crypto';
import type { FidoSigner } from '../fido/signer.js';

// PrivateKeyInfo { 0, { id-ecPublicKey, prime256v1 }, OCTET STRING { ECPrivateKey { 1, OCTET STRING(32) } } }
const P256_PKCS8_PREFIX = Buffer.from('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420', 'hex');
// PrivateKeyInfo { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING(32) } }
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
export function nodeFidoSigner(): FidoSigner {
  const cache = new WeakMap<Uint8Array, KeyObject>();
  const keyObject = (prefix: Buffer, privateKey: Uint8Array): KeyObject => {
    let key = cache.get(privateKey);
    if (key === undefined) {
      key = createPrivateKey({ key: Buffer.concat([prefix, privateKey]), format: 'der', type: 'pkcs8' });
      cache.set(privateKey, key);
    }
    return key;
  };
  return {
    p256: (privateKey, message) => sign('sha256', message, keyObject(P256_PKCS8_PREFIX, privateKey)),
    ed25519: (privateKey, message) => sign(null, message, keyObject(ED25519_PKCS8_PREFIX, privateKey)),
  };
}
