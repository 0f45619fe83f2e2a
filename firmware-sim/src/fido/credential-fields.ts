/** Reading RP, user and credential descriptors from requests (CTAP 2.1 §6.1, WebAuthn §5.8). */
import { CoseAlgorithm, CtapError, type CtapMap, type CtapValue, memberBytes, memberText, requiredMember } from '@hkey/protocol';
import { sha256 } from './crypto.js';
import type { CredentialKey } from './credential-id.js';
import type { FidoSigner } from './signer.js';

const utf8 = new TextEncoder();
/** Names the key keeps are cut to 64 bytes at a character boundary (CTAP 2.1 §6.1.2 allows truncation). */
const NAME_BYTES = 64;
export const MAX_USER_ID_BYTES = 64;

export function truncateName(text: string | undefined): string | undefined {
  if (text === undefined || utf8.encode(text).length <= NAME_BYTES) return text;
  let result = '';
  for (const char of text) {
    if (utf8.encode(result + char).length > NAME_BYTES) break;
    result += char;
  }
  return result;
}

/** RP id hashes recur for every assertion of an RP: a bounded cache of them (callers never modify the bytes). */
const rpIdHashes = new Map<string, Uint8Array>();

export function rpIdHash(rpId: string): Uint8Array {
  let hash = rpIdHashes.get(rpId);
  if (hash === undefined) {
    hash = sha256(utf8.encode(rpId));
    if (rpIdHashes.size >= 256) rpIdHashes.clear();
    rpIdHashes.set(rpId, hash);
  }
  return hash;
}

/** The ids of a list of PublicKeyCredentialDescriptors; descriptors of other types are skipped (WebAuthn §5.8.3). */
export function descriptorIds(list: CtapValue[] | undefined, name: string): Uint8Array[] {
  const ids: Uint8Array[] = [];
  for (const [index, item] of (list ?? []).entries()) {
    if (!(item instanceof Map)) throw new CtapError('CBOR_UNEXPECTED_TYPE', `${name}[${index}] must be a map.`);
    const type = requiredMember(memberText, item, 'type', `${name}[${index}].type`);
    const id = requiredMember(memberBytes, item, 'id', `${name}[${index}].id`);
    if (type === 'public-key') ids.push(id);
  }
  return ids;
}

export function descriptor(id: Uint8Array): CtapMap {
  return new Map<string, CtapValue>([
    ['id', id],
    ['type', 'public-key'],
  ]);
}

/** The signature WebAuthn expects for the credential's algorithm: DER ECDSA for ES256, raw for EdDSA. */
export async function signWith(signer: FidoSigner, key: Pick<CredentialKey, 'alg' | 'privateKey'>, message: Uint8Array): Promise<Uint8Array> {
  return key.alg === CoseAlgorithm.EdDSA ? signer.ed25519(key.privateKey, message) : signer.p256(key.privateKey, message);
}
