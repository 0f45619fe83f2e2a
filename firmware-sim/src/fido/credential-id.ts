/**
 * Credential ids that carry their own key (docs/protocol.md §9.5): the key stores no private key per credential.
 * An id is version(1) || algorithm(1) || flags(1: discoverable, credProtect level, hmac-secret) || nonce(16) || tag(16). The private key derives from the
 * key's master secret, the id's first 19 bytes and the RP id hash; the tag, an HMAC over the same, proves that this
 * key made the id for this RP, so an id from another key, another RP or edited in any bit is not recognised.
 * U2F key handles are the same ids, with the application parameter as RP id hash.
 */
import { CoseAlgorithm, concatBytes } from '@hkey/protocol';
import { constantTimeBytesEqual, ed25519PublicKey, hkdfSha256, hmacSha256, p256PrivateKey, p256PublicKey } from './crypto.js';

const VERSION = 1;
const HEADER = 3;
const NONCE = 16;
const TAG = 16;
export const CREDENTIAL_ID_LENGTH = HEADER + NONCE + TAG;

const ALGORITHM_CODES = new Map<number, number>([
  [CoseAlgorithm.ES256, 0],
  [CoseAlgorithm.EdDSA, 1],
]);
const ALGORITHMS = [CoseAlgorithm.ES256, CoseAlgorithm.EdDSA];

export interface CredentialKey {
  readonly alg: number;
  /** A discoverable credential: it is valid only while its record is on the key. */
  readonly discoverable: boolean;
  /** credProtect level 1..3 (CTAP 2.1 §12.1). */
  readonly credProtect: number;
  /** Made with the hmac-secret extension (CTAP 2.1 §12.5). */
  readonly hmacSecret: boolean;
  readonly privateKey: Uint8Array;
  /** SEC1 uncompressed (ES256) or raw (EdDSA) public key. */
  publicKey(): Promise<Uint8Array>;
}

function tagOf(master: Uint8Array, body: Uint8Array, rpIdHash: Uint8Array): Uint8Array {
  return hmacSha256(master, concatBytes(new TextEncoder().encode('hkey credential id'), body, rpIdHash)).slice(0, TAG);
}

function keyOf(master: Uint8Array, body: Uint8Array, rpIdHash: Uint8Array, alg: number): CredentialKey['privateKey'] {
  const material = hkdfSha256(concatBytes(body, rpIdHash), master, 'hkey credential key', 48);
  return alg === CoseAlgorithm.EdDSA ? material.slice(0, 32) : p256PrivateKey(material);
}

/** The public key is computed only when asked for: an assertion never needs it, and the point multiplication is costly. */
function credentialKey(fields: Omit<CredentialKey, 'publicKey'>): CredentialKey {
  let publicKey: Promise<Uint8Array> | undefined;
  const derive = async () => (fields.alg === CoseAlgorithm.EdDSA ? ed25519PublicKey(fields.privateKey) : p256PublicKey(fields.privateKey));
  return { ...fields, publicKey: () => (publicKey ??= derive()) };
}

/** A new credential id and its key. */
export function newCredentialId(
  master: Uint8Array,
  rpIdHash: Uint8Array,
  options: { alg: number; discoverable: boolean; credProtect: number; hmacSecret: boolean },
  nonce: Uint8Array,
): { id: Uint8Array; key: CredentialKey } {
  const code = ALGORITHM_CODES.get(options.alg);
  if (code === undefined || nonce.length !== NONCE) throw new RangeError('A credential id needs a supported algorithm and a 16-byte nonce.');
  const body = concatBytes(new Uint8Array([VERSION, code, (options.discoverable ? 1 : 0) | (options.credProtect << 1) | (options.hmacSecret ? 8 : 0)]), nonce);
  const privateKey = keyOf(master, body, rpIdHash, options.alg);
  return { id: concatBytes(body, tagOf(master, body, rpIdHash)), key: credentialKey({ ...options, privateKey }) };
}

/**
 * Ids recently opened under a master secret: a credential used again skips the HMAC and HKDF. Keyed by the master
 * secret's bytes object, so Reset (a new secret) or a reload starts afresh; only verified ids are kept, bounded.
 */
const opened = new WeakMap<Uint8Array, Map<string, CredentialKey>>();
const OPENED_LIMIT = 1024;

function binaryString(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** The key behind `id` if this key made it for this RP, else undefined. */
export function openCredentialId(master: Uint8Array, rpIdHash: Uint8Array, id: Uint8Array): CredentialKey | undefined {
  if (id.length !== CREDENTIAL_ID_LENGTH || id[0] !== VERSION) return undefined;
  let cache = opened.get(master);
  if (cache === undefined) opened.set(master, (cache = new Map()));
  const cacheKey = binaryString(id) + binaryString(rpIdHash);
  const known = cache.get(cacheKey);
  if (known !== undefined) return known;
  const key = verifyCredentialId(master, rpIdHash, id);
  if (key !== undefined) {
    if (cache.size >= OPENED_LIMIT) cache.clear();
    cache.set(cacheKey, key);
  }
  return key;
}

function verifyCredentialId(master: Uint8Array, rpIdHash: Uint8Array, id: Uint8Array): CredentialKey | undefined {
  const body = id.subarray(0, HEADER + NONCE);
  if (!constantTimeBytesEqual(tagOf(master, body, rpIdHash), id.subarray(HEADER + NONCE))) return undefined;
  const alg = ALGORITHMS[id[1] as number];
  const flags = id[2] as number;
  if (alg === undefined) return undefined;
  const privateKey = keyOf(master, body, rpIdHash, alg);
  return credentialKey({ alg, discoverable: (flags & 1) === 1, credProtect: (flags >> 1) & 3, hmacSecret: (flags & 8) !== 0, privateKey });
}
