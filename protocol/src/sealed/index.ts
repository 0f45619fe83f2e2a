/** Sealed provisioning (docs/design/sealed-provisioning.md): items an issuer seals to one key, and the key's receipts. */
export { SealedError, type SealedErrorCode } from './sealed-error.js';
export { ISSUER_ID_BYTES, KEY_HASH_BYTES, SEALED_VERSION, type SealedHeader, decodeSealedHeader, encodeSealedHeader } from './sealed-header.js';
export { HPKE_INFO, type RawKeyPair, deriveKemKeyPair, issuerIdOf, keyHashOf, p256KeyPair } from './sealed-crypto.js';
export {
  MAX_SEALED_CIPHERTEXT_BYTES,
  type SealRequest,
  type SealedItem,
  openSealedItem,
  readSealedItemParams,
  sealItem,
  sealedItemParams,
  verifyItemSignature,
} from './sealed-item.js';
export { signHandover, verifyHandover } from './sealed-handover.js';
export {
  PinPolicySchema,
  type PinPolicyParams,
  SealedOperationSchemas,
  SealedOperation,
  type SealedOperationCode,
  type SealedOperationName,
  type SealedOperationRequest,
  decodeSealedOperation,
  encodeSealedOperation,
} from './sealed-operation.js';
export { type Receipt, type SignedReceipt, decodeReceipt, encodeReceipt, itemHashOf, signReceipt, signReceiptFast, verifyReceipt } from './sealed-receipt.js';
export {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  type BundleItem,
  type BundleKey,
  type BundleManifest,
  type InventoryEntry,
  KEM_KEY_EXTENSION_OID,
  type KeyIdentityEntry,
  parseBundleItem,
  parseBundleItems,
  parseBundleManifest,
  parseInventory,
  parseInventoryEntry,
  parseReceiptLine,
  parseReceiptLines,
  serializeBundleItem,
  serializeBundleItems,
  serializeBundleManifest,
  serializeInventoryEntry,
  serializeReceiptLine,
} from './bundle.js';
export { fromBase64Url, toBase64Url } from '../base64url.js';
