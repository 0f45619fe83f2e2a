/**
 * COSE_Key encodings the key uses (RFC 9053, CTAP 2.1 §6.5.6): EC2 P-256 public keys for ES256 credentials and for
 * PIN/UV key agreement, OKP Ed25519 for EdDSA credentials.
 */
import { CoseAlgorithm } from './constants.js';
import type { CtapMap, CtapValue } from './ctap-cbor.js';
import { CtapError } from './ctap-error.js';

const KTY = 1;
const ALG = 3;
const CRV = -1;
const X = -2;
const Y = -3;
const KTY_OKP = 1;
const KTY_EC2 = 2;
const CRV_P256 = 1;
const CRV_ED25519 = 6;

/** An uncompressed P-256 point (x, y: 32 bytes each) as a COSE_Key with the given algorithm. */
export function coseEc2Key(x: Uint8Array, y: Uint8Array, alg: number): CtapMap {
  return new Map<number, CtapValue>([
    [KTY, KTY_EC2],
    [ALG, alg],
    [CRV, CRV_P256],
    [X, x],
    [Y, y],
  ]);
}

/** An Ed25519 public key as a COSE_Key (alg EdDSA). */
export function coseOkpKey(x: Uint8Array): CtapMap {
  return new Map<number, CtapValue>([
    [KTY, KTY_OKP],
    [ALG, CoseAlgorithm.EdDSA],
    [CRV, CRV_ED25519],
    [X, x],
  ]);
}

/** The platform's key-agreement key of ClientPIN and hmac-secret: EC2, P-256, 32-byte coordinates. */
export function readKeyAgreementKey(value: CtapValue | undefined, name: string): { x: Uint8Array; y: Uint8Array } {
  if (value === undefined) throw new CtapError('MISSING_PARAMETER', `The member "${name}" is required.`);
  if (!(value instanceof Map)) throw new CtapError('CBOR_UNEXPECTED_TYPE', `The member "${name}" must be a COSE key map.`);
  const x = value.get(X);
  const y = value.get(Y);
  if (
    value.get(KTY) !== KTY_EC2 ||
    value.get(CRV) !== CRV_P256 ||
    !(x instanceof Uint8Array) ||
    !(y instanceof Uint8Array) ||
    x.length !== 32 ||
    y.length !== 32
  ) {
    throw new CtapError('INVALID_PARAMETER', `The member "${name}" must be an EC2 P-256 COSE key.`);
  }
  return { x, y };
}

/** The public key bytes of an EC2 or OKP COSE key, as SEC1 uncompressed (EC2) or raw (OKP). */
export function cosePublicKeyBytes(key: CtapMap): { alg: number; publicKey: Uint8Array } {
  const alg = key.get(ALG);
  const x = key.get(X);
  if (typeof alg !== 'number' || !(x instanceof Uint8Array)) throw new CtapError('INVALID_PARAMETER', 'The COSE key lacks its algorithm or x coordinate.');
  if (key.get(KTY) === KTY_OKP) return { alg, publicKey: x };
  const y = key.get(Y);
  if (!(y instanceof Uint8Array)) throw new CtapError('INVALID_PARAMETER', 'The EC2 COSE key lacks its y coordinate.');
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(x, 1);
  point.set(y, 33);
  return { alg, publicKey: point };
}
