/**
 * What a key answers for every sealed item it was given, signed with its identity key (docs/design/
 * sealed-provisioning.md "Receipt"): proof for the issuer of what landed on which genuine key. Refusals get
 * receipts too.
 */
import { encodeCbor } from '../cbor/index.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { FieldReader } from './sealed-fields.js';
import { SealedError } from './sealed-error.js';
import { ISSUER_ID_BYTES } from './sealed-header.js';
import { type SealedItem, sealedItemBody } from './sealed-item.js';
import { type RawKeyPair, signLabelled, signLabelledFast, verifyLabelled } from './sealed-crypto.js';

const RECEIPT_LABEL = 'hkey receipt v1';

export interface Receipt {
  readonly serial: string;
  readonly issuerId: Uint8Array;
  readonly sequence: number;
  /** The HKP status the key answered (0: applied). */
  readonly status: number;
  /** The account the operation created or changed. */
  readonly accountId?: number;
  /** SHA-256 of the item's signed bytes (header, enc, ciphertext). */
  readonly itemHash: Uint8Array;
  /** The key's clock, unix seconds. */
  readonly time: number;
}

export interface SignedReceipt {
  readonly receipt: Uint8Array;
  readonly signature: Uint8Array;
}

export function itemHashOf(item: SealedItem): Uint8Array {
  return sha256(sealedItemBody(item));
}

export function encodeReceipt(receipt: Receipt): Uint8Array {
  const map = new Map<number, number | string | Uint8Array>([
    [1, receipt.serial],
    [2, receipt.issuerId],
    [3, receipt.sequence],
    [4, receipt.status],
  ]);
  if (receipt.accountId !== undefined) map.set(5, receipt.accountId);
  map.set(6, receipt.itemHash);
  map.set(7, receipt.time);
  return encodeCbor(map);
}

export function decodeReceipt(bytes: Uint8Array): Receipt {
  const fields = FieldReader.decode(bytes, 'RECEIPT_MALFORMED', 'receipt');
  const serial = fields.text(1, 'serial');
  const issuerId = fields.bytes(2, 'issuer id', ISSUER_ID_BYTES);
  const sequence = fields.uint(3, 'sequence');
  const status = fields.uint(4, 'status', 0, 255);
  const accountId = fields.optionalUint(5, 'account id', 0, 0xffff);
  const receipt: Receipt = {
    serial,
    issuerId,
    sequence,
    status,
    ...(accountId === undefined ? {} : { accountId }),
    itemHash: fields.bytes(6, 'item hash', 32),
    time: fields.uint(7, 'time'),
  };
  fields.end();
  return receipt;
}

/** Signed with RFC 6979: the same signature every time (test vectors). */
export async function signReceipt(receipt: Receipt, signingPrivateKey: Uint8Array): Promise<SignedReceipt> {
  const bytes = encodeReceipt(receipt);
  return { receipt: bytes, signature: await signLabelled(RECEIPT_LABEL, bytes, signingPrivateKey) };
}

/** Signed with WebCrypto's randomized ECDSA, about five times faster: what a key answers every item with. */
export async function signReceiptFast(receipt: Receipt, signingKey: RawKeyPair): Promise<SignedReceipt> {
  const bytes = encodeReceipt(receipt);
  return { receipt: bytes, signature: await signLabelledFast(RECEIPT_LABEL, bytes, signingKey) };
}

/** The receipt, once its signature checks against the key's identity public key. */
export async function verifyReceipt(signed: SignedReceipt, keyPublicKey: Uint8Array): Promise<Receipt> {
  if (!(await verifyLabelled(RECEIPT_LABEL, signed.receipt, signed.signature, keyPublicKey))) {
    throw new SealedError('RECEIPT_BAD_SIGNATURE', 'The receipt is not signed by this key.');
  }
  return decodeReceipt(signed.receipt);
}
