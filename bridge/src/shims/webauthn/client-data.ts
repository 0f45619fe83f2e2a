/**
 * clientDataJSON as browsers serialise it (WebAuthn L3 §5.8.1.1): type, challenge (base64url), origin, crossOrigin,
 * then topOrigin for a caller in a cross-origin frame, in that order and nothing else, so relying parties using the
 * limited verification algorithm accept it; and its SHA-256, the clientDataHash the key signs.
 */
import { toBase64Url } from './base64url.js';
import type { FrameContext } from './frame.js';

export interface ClientData {
  readonly json: Uint8Array;
  readonly hash: Uint8Array;
}

export async function collectClientData(
  type: 'webauthn.create' | 'webauthn.get',
  challenge: Uint8Array,
  origin: string,
  frame: FrameContext = { crossOrigin: false },
): Promise<ClientData> {
  const members = { type, challenge: toBase64Url(challenge), origin, crossOrigin: frame.crossOrigin };
  const topOrigin = frame.crossOrigin && frame.topOrigin !== undefined ? { topOrigin: frame.topOrigin } : {};
  // JSON.stringify keeps insertion order and escapes as CCDToString does for these values (ASCII origins, base64url).
  const json = new TextEncoder().encode(JSON.stringify({ ...members, ...topOrigin }));
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', json));
  return { json, hash };
}
