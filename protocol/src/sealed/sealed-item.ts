/**
 * A sealed item: its header in clear, the HPKE-sealed operation, and the issuer's signature over both
 * (docs/design/sealed-provisioning.md "Sealed item"). The issuer seals; the key checks and opens; a relay only
 * carries the bytes.
 */
import type { CborMap, CborValue } from '../cbor-types.js';
import { concatBytes } from '../bytes.js';
import { FieldReader, toChunks } from './sealed-fields.js';
import { SealedError } from './sealed-error.js';
import { type SealedHeader, decodeSealedHeader, encodeSealedHeader } from './sealed-header.js';
import {
  P256_PUBLIC_KEY_BYTES,
  type RawKeyPair,
  SIGNATURE_BYTES,
  hpkeOpen,
  hpkeSeal,
  issuerIdOf,
  keyHashOf,
  signLabelled,
  signLabelledFast,
  verifyLabelled,
} from './sealed-crypto.js';

const ITEM_LABEL = 'hkey sealed item v1';
/** An HKP message is at most 7609 bytes (docs/protocol.md §5.2); the sealed operation gets what the rest leaves. */
export const MAX_SEALED_CIPHERTEXT_BYTES = 6144;

export interface SealedItem {
  readonly header: Uint8Array;
  /** HPKE encapsulated key (65 bytes for DHKEM P-256). */
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly signature: Uint8Array;
}

export interface SealRequest {
  readonly issuer: { readonly privateKey: Uint8Array; readonly publicKey: Uint8Array };
  readonly recipient: { readonly serial: string; readonly kemPublicKey: Uint8Array };
  readonly sequence: number;
  readonly notAfter: number;
  readonly created: number;
  /** The encoded operation (sealed-operation.ts). */
  readonly plaintext: Uint8Array;
  /**
   * Test vectors only: fixes the HPKE ephemeral key, and the signature is then RFC 6979 (the same bytes every time)
   * rather than WebCrypto's faster randomized one.
   */
  readonly ephemeralSeed?: Uint8Array;
}

function signedBytes(header: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const length = new Uint8Array([header.length >> 8, header.length & 0xff]);
  return concatBytes(length, header, enc, ciphertext);
}

export async function sealItem(request: SealRequest): Promise<SealedItem> {
  const header = encodeSealedHeader({
    issuerId: issuerIdOf(request.issuer.publicKey),
    serial: request.recipient.serial,
    kemKeyHash: keyHashOf(request.recipient.kemPublicKey),
    sequence: request.sequence,
    notAfter: request.notAfter,
    created: request.created,
  });
  const { enc, ciphertext } = await hpkeSeal(request.recipient.kemPublicKey, header, request.plaintext, request.ephemeralSeed);
  if (ciphertext.length > MAX_SEALED_CIPHERTEXT_BYTES) {
    throw new SealedError('SEALED_MALFORMED', `A sealed operation must be at most ${MAX_SEALED_CIPHERTEXT_BYTES} bytes once encrypted.`);
  }
  const body = signedBytes(header, enc, ciphertext);
  const signature =
    request.ephemeralSeed === undefined
      ? await signLabelledFast(ITEM_LABEL, body, request.issuer)
      : await signLabelled(ITEM_LABEL, body, request.issuer.privateKey);
  return { header, enc, ciphertext, signature };
}

/** The bytes a receipt's item hash covers. */
export function sealedItemBody(item: SealedItem): Uint8Array {
  return signedBytes(item.header, item.enc, item.ciphertext);
}

export function verifyItemSignature(item: SealedItem, issuerPublicKey: Uint8Array): Promise<boolean> {
  return verifyLabelled(ITEM_LABEL, sealedItemBody(item), item.signature, issuerPublicKey);
}

/** Opens the operation with the key's KEM key pair; SEALED_BAD_CIPHERTEXT when anything was changed. */
export async function openSealedItem(item: SealedItem, kem: RawKeyPair): Promise<Uint8Array> {
  try {
    return await hpkeOpen(kem, item.enc, item.header, item.ciphertext);
  } catch (error) {
    throw new SealedError('SEALED_BAD_CIPHERTEXT', 'The sealed item does not decrypt with this key.', { cause: error });
  }
}

/** The item as ApplySealed parameters: strings longer than HKP allows travel as chunks (docs/protocol.md §3.2.4). */
export function sealedItemParams(item: SealedItem): CborMap {
  return new Map<number, CborValue>([
    [1, item.header],
    [2, item.enc],
    [3, toChunks(item.ciphertext)],
    [4, item.signature],
  ]);
}

export function readSealedItemParams(params: CborMap): { item: SealedItem; header: SealedHeader } {
  const fields = new FieldReader(params, 'SEALED_MALFORMED', 'sealed item');
  const item: SealedItem = {
    header: fields.bytes(1, 'header'),
    enc: fields.bytes(2, 'encapsulated key', P256_PUBLIC_KEY_BYTES),
    ciphertext: fields.chunks(3, 'ciphertext', MAX_SEALED_CIPHERTEXT_BYTES),
    signature: fields.bytes(4, 'signature', SIGNATURE_BYTES),
  };
  fields.end();
  return { item, header: decodeSealedHeader(item.header) };
}
