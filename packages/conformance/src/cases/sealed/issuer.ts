/**
 * The suite's own issuer (docs/protocol.md §10.3, §10.4): a fresh P-256 key per case that seals items with the
 * reference sealItem, and re-signs altered items with node:crypto, so a case can tell the signature check from
 * the decryption check.
 */
import { type KeyObject, createHash, createPrivateKey, sign } from 'node:crypto';
import {
  type CborMap,
  type RawKeyPair,
  type RequestOf,
  type SealedItem,
  type SealedOperationName,
  SealedOperationSchemas,
  concatBytes,
  encodeMap,
  encodeSealedOperation,
  issuerIdOf,
  p256KeyPair,
  sealItem,
} from '@hkey/protocol';

const ITEM_LABEL = new TextEncoder().encode('hkey sealed item v1');
/** The order of P-256 (FIPS 186-5): signatures carry s <= n/2 (§10.1). */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const CHUNK_BYTES = 256;

export interface Recipient {
  readonly serial: string;
  readonly kemPublicKey: Uint8Array;
}

export interface SealOptions {
  readonly notAfter?: number;
  /** Another key's serial or KEM key, for items sent to the wrong key. */
  readonly serial?: string;
  readonly kemPublicKey?: Uint8Array;
}

function bigintOf(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function bytesOf(value: bigint): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
}

/** The same signature with s replaced by n - s: valid ECDSA, but not the low-S form §10.1 requires. */
export function highSTwin(signature: Uint8Array): Uint8Array {
  return concatBytes(signature.subarray(0, 32), bytesOf(P256_ORDER - bigintOf(signature.subarray(32))));
}

export function isLowS(signature: Uint8Array): boolean {
  return signature.length === 64 && bigintOf(signature.subarray(32)) <= P256_ORDER / 2n;
}

/** `u16(length of header) || header || enc || ciphertext`: what the issuer signs after the label and receipts hash (§10.4.3, §10.5). */
export function itemBody(item: SealedItem): Uint8Array {
  return concatBytes(Uint8Array.of(item.header.length >> 8, item.header.length & 0xff), item.header, item.enc, item.ciphertext);
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

/** The item as ApplySealed parameters (§4.19): the ciphertext in chunks of at most 256 bytes. */
export function applyParams(item: SealedItem): RequestOf<'ApplySealed'> {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < item.ciphertext.length; offset += CHUNK_BYTES) chunks.push(item.ciphertext.subarray(offset, offset + CHUNK_BYTES));
  return { header: item.header, enc: item.enc, ciphertext: chunks, signature: item.signature };
}

export class SuiteIssuer {
  private readonly signingKey: KeyObject;

  /**
   * A new issuer with a random key.
   * @param now the key's clock (Unix seconds) when the case started: items are created then and, unless told
   * otherwise, expire an hour later.
   */
  static async create(now: number): Promise<SuiteIssuer> {
    return new SuiteIssuer(now, await p256KeyPair());
  }

  private constructor(
    private readonly now: number,
    private readonly keys: RawKeyPair,
  ) {
    const publicKey = this.keys.publicKey;
    const jwk = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
    this.signingKey = createPrivateKey({
      key: { kty: 'EC', crv: 'P-256', d: jwk(this.keys.privateKey), x: jwk(publicKey.subarray(1, 33)), y: jwk(publicKey.subarray(33)) },
      format: 'jwk',
    });
  }

  get publicKey(): Uint8Array {
    return this.keys.publicKey;
  }

  get id(): Uint8Array {
    return issuerIdOf(this.keys.publicKey);
  }

  /** Its private key, for handover signatures (§10.3). */
  get privateKey(): Uint8Array {
    return this.keys.privateKey;
  }

  /** An operation of §10.4.2 sealed for `key` at `sequence`. */
  seal(key: Recipient, sequence: number, operation: SealedOperationName, params: Record<string, unknown>, options: SealOptions = {}): Promise<SealedItem> {
    const encoded: CborMap = encodeMap(SealedOperationSchemas[operation], params as never);
    return this.sealPlaintext(key, sequence, encodeSealedOperation({ operation, params: encoded }), options);
  }

  /** Any plaintext, e.g. one that is not an operation. */
  sealPlaintext(key: Recipient, sequence: number, plaintext: Uint8Array, options: SealOptions = {}): Promise<SealedItem> {
    return sealItem({
      issuer: this.keys,
      recipient: { serial: options.serial ?? key.serial, kemPublicKey: options.kemPublicKey ?? key.kemPublicKey },
      sequence,
      notAfter: options.notAfter ?? this.now + 3600,
      created: this.now,
      plaintext,
    });
  }

  /** The issuer's signature over the item as it now is (an altered header or ciphertext), low-S as §10.1 asks. */
  resign(item: SealedItem): SealedItem {
    const raw = new Uint8Array(sign('sha256', concatBytes(ITEM_LABEL, itemBody(item)), { key: this.signingKey, dsaEncoding: 'ieee-p1363' }));
    return { ...item, signature: isLowS(raw) ? raw : highSTwin(raw) };
  }
}
