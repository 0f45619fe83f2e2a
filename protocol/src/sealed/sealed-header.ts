/**
 * The clear part of a sealed item (docs/design/sealed-provisioning.md "Sealed item"): who sealed it, for which
 * key, in which place of the issuer's order and until when. It is HPKE's associated data and under the issuer's
 * signature, so a relay can read it but not change it.
 */
import { encodeCbor } from '../cbor/index.js';
import { SealedError } from './sealed-error.js';
import { FieldReader } from './sealed-fields.js';

export const SEALED_VERSION = 1;
export const ISSUER_ID_BYTES = 16;
export const KEY_HASH_BYTES = 32;
/** The longest serial a header carries (HKP text limit). */
const MAX_SERIAL_BYTES = 64;

export interface SealedHeader {
  readonly issuerId: Uint8Array;
  readonly serial: string;
  /** SHA-256 of the recipient key's uncompressed KEM public key. */
  readonly kemKeyHash: Uint8Array;
  /** 1, 2, 3… per issuer and key; the key applies exactly the next one. */
  readonly sequence: number;
  /** Unix seconds after which the key refuses the item (its own clock). */
  readonly notAfter: number;
  /** Unix seconds when the issuer sealed it. */
  readonly created: number;
}

export function encodeSealedHeader(header: SealedHeader): Uint8Array {
  return encodeCbor(
    new Map<number, number | string | Uint8Array>([
      [1, SEALED_VERSION],
      [2, header.issuerId],
      [3, header.serial],
      [4, header.kemKeyHash],
      [5, header.sequence],
      [6, header.notAfter],
      [7, header.created],
    ]),
  );
}

export function decodeSealedHeader(bytes: Uint8Array): SealedHeader {
  const fields = FieldReader.decode(bytes, 'SEALED_MALFORMED', 'sealed item header');
  fields.uint(1, 'version', SEALED_VERSION, SEALED_VERSION);
  const header: SealedHeader = {
    issuerId: fields.bytes(2, 'issuer id', ISSUER_ID_BYTES),
    serial: fields.text(3, 'serial'),
    kemKeyHash: fields.bytes(4, 'key hash', KEY_HASH_BYTES),
    sequence: fields.uint(5, 'sequence', 1),
    notAfter: fields.uint(6, 'expiry'),
    created: fields.uint(7, 'creation time'),
  };
  fields.end();
  if (new TextEncoder().encode(header.serial).length > MAX_SERIAL_BYTES) {
    throw new SealedError('SEALED_MALFORMED', `The sealed item header's serial must be at most ${MAX_SERIAL_BYTES} bytes.`);
  }
  return header;
}
