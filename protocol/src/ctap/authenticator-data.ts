/**
 * authenticatorData (WebAuthn Level 2 §6.1, CTAP 2.1 §6.1.2): rpIdHash, flags, signCount, optional attested
 * credential data and optional extension outputs.
 */
import { AuthenticatorDataFlag } from './constants.js';
import { type CtapMap, decodeCtap, decodeCtapPrefix, encodeCtap } from './ctap-cbor.js';
import { CtapError } from './ctap-error.js';

export interface AttestedCredentialData {
  readonly aaguid: Uint8Array;
  readonly credentialId: Uint8Array;
  /** The credential public key as COSE_Key CBOR. */
  readonly publicKey: Uint8Array;
}

export interface AuthenticatorData {
  readonly rpIdHash: Uint8Array;
  readonly flags: number;
  readonly signCount: number;
  readonly attested?: AttestedCredentialData;
  readonly extensions?: CtapMap;
}

export function encodeAuthenticatorData(data: AuthenticatorData): Uint8Array {
  const extensions = data.extensions && data.extensions.size > 0 ? encodeCtap(data.extensions) : undefined;
  let flags = data.flags & ~(AuthenticatorDataFlag.AT | AuthenticatorDataFlag.ED);
  if (data.attested) flags |= AuthenticatorDataFlag.AT;
  if (extensions) flags |= AuthenticatorDataFlag.ED;
  const attested = data.attested;
  const attestedLength = attested ? 18 + attested.credentialId.length + attested.publicKey.length : 0;
  const out = new Uint8Array(37 + attestedLength + (extensions?.length ?? 0));
  const view = new DataView(out.buffer);
  out.set(data.rpIdHash, 0);
  out[32] = flags;
  view.setUint32(33, data.signCount >>> 0);
  let pos = 37;
  if (attested) {
    out.set(attested.aaguid, pos);
    view.setUint16(pos + 16, attested.credentialId.length);
    out.set(attested.credentialId, pos + 18);
    out.set(attested.publicKey, pos + 18 + attested.credentialId.length);
    pos += attestedLength;
  }
  if (extensions) out.set(extensions, pos);
  return out;
}

/** Reads authenticatorData as a host does; throws CtapError(INVALID_CBOR) for malformed data. */
export function decodeAuthenticatorData(bytes: Uint8Array): AuthenticatorData {
  if (bytes.length < 37) throw new CtapError('INVALID_CBOR', 'authenticatorData is shorter than 37 bytes.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = bytes[32] as number;
  let pos = 37;
  let attested: AttestedCredentialData | undefined;
  let extensions: CtapMap | undefined;
  if (flags & AuthenticatorDataFlag.AT) {
    if (bytes.length < pos + 18) throw new CtapError('INVALID_CBOR', 'authenticatorData ends inside the attested credential data.');
    const idLength = view.getUint16(pos + 16);
    const keyStart = pos + 18 + idLength;
    if (keyStart > bytes.length) throw new CtapError('INVALID_CBOR', 'authenticatorData ends inside the credential id.');
    const keyEnd = keyStart + decodeCtapPrefix(bytes.subarray(keyStart)).length;
    attested = { aaguid: bytes.slice(pos, pos + 16), credentialId: bytes.slice(pos + 18, keyStart), publicKey: bytes.slice(keyStart, keyEnd) };
    pos = keyEnd;
  }
  if (flags & AuthenticatorDataFlag.ED) {
    const value = decodeCtap(bytes.subarray(pos));
    if (!(value instanceof Map)) throw new CtapError('INVALID_CBOR', 'authenticatorData extensions are not a map.');
    extensions = value;
    pos = bytes.length;
  }
  if (pos !== bytes.length) throw new CtapError('INVALID_CBOR', 'authenticatorData has trailing bytes.');
  return { rpIdHash: bytes.slice(0, 32), flags, signCount: view.getUint32(33), attested, extensions };
}
