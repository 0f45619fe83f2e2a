/**
 * @noble's P-256 and AES, imported on first use rather than with @hkey/protocol: loading them cost every `hkey sim`
 * start about 20 ms, and nothing before a key is ready needs them (PIN protocols, identities, signatures and sealed
 * items do, all in async handlers). @noble/hashes stays a static import: OTP's HMAC is synchronous.
 */
const loadP256 = async () => (await import('@noble/curves/nist.js')).p256;
const loadAes = () => import('@noble/ciphers/aes.js');

let p256: ReturnType<typeof loadP256> | undefined;
let aes: ReturnType<typeof loadAes> | undefined;

/** @noble/curves' P-256, loaded once. */
export const nobleP256 = (): ReturnType<typeof loadP256> => (p256 ??= loadP256());

/** @noble/ciphers' AES modes (cbc, gcm), loaded once. */
export const nobleAes = (): ReturnType<typeof loadAes> => (aes ??= loadAes());
