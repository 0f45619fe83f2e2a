/**
 * Why a sealed item or a receipt was refused (docs/design/sealed-provisioning.md). The codes are stable and
 * ordered as the key checks them; messages never quote item contents.
 */
import { HkeyError } from '../errors.js';

export type SealedErrorCode =
  | 'SEALED_MALFORMED'
  | 'SEALED_WRONG_KEY'
  | 'SEALED_WRONG_ISSUER'
  | 'SEALED_BAD_SIGNATURE'
  | 'SEALED_EXPIRED'
  | 'SEALED_REPLAY'
  | 'SEALED_OUT_OF_ORDER'
  | 'SEALED_BAD_CIPHERTEXT'
  | 'RECEIPT_MALFORMED'
  | 'RECEIPT_BAD_SIGNATURE'
  | 'BUNDLE_MALFORMED'
  | 'INVENTORY_MALFORMED';

export class SealedError extends HkeyError {
  declare readonly code: SealedErrorCode;

  constructor(code: SealedErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
