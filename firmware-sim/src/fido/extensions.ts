/**
 * The extensions the key implements (CTAP 2.1 §12): credProtect, hmac-secret, credBlob and minPinLength.
 */
import { CredProtect, CtapError, type CtapMap, type CtapValue, ctapMap, memberBytes, memberInteger, pinProtocol } from '@hkey/protocol';
import { hmacSha256 } from './crypto.js';
import { platformSharedSecret } from './client-pin.js';
import type { FidoRuntime } from './runtime.js';

export const SUPPORTED_EXTENSIONS = ['credProtect', 'hmac-secret', 'credBlob', 'minPinLength'];
export const MAX_CRED_BLOB_LENGTH = 32;

export interface CreationExtensions {
  readonly credProtect: number;
  readonly hmacSecret: boolean;
  readonly credBlob: Uint8Array | undefined;
}

/** MakeCredential inputs; unknown extensions are ignored (CTAP 2.1 §6.1.2 step 8). */
export function creationExtensions(extensions: CtapMap | undefined, discoverable: boolean): { inputs: CreationExtensions; outputs: CtapMap } {
  const outputs: CtapMap = new Map();
  const protect = extensions?.get('credProtect');
  let credProtect: number = CredProtect.userVerificationOptional;
  if (protect !== undefined) {
    if (typeof protect !== 'number' || protect < 1 || protect > 3) throw new CtapError('INVALID_PARAMETER', 'credProtect must be 1, 2 or 3.');
    credProtect = protect;
    outputs.set('credProtect', protect);
  }
  const hmacSecret = extensions?.get('hmac-secret');
  if (hmacSecret !== undefined && typeof hmacSecret !== 'boolean') throw new CtapError('CBOR_UNEXPECTED_TYPE', 'hmac-secret must be true or false.');
  if (hmacSecret === true) outputs.set('hmac-secret', true);
  const blob = extensions?.get('credBlob');
  let credBlob: Uint8Array | undefined;
  if (blob !== undefined) {
    if (!(blob instanceof Uint8Array)) throw new CtapError('CBOR_UNEXPECTED_TYPE', 'credBlob must be a byte string.');
    const stored = discoverable && blob.length <= MAX_CRED_BLOB_LENGTH;
    if (stored) credBlob = blob;
    outputs.set('credBlob', stored);
  }
  return { inputs: { credProtect, hmacSecret: hmacSecret === true, credBlob }, outputs };
}

/** CredRandom of a credential (CTAP 2.1 §12.5): one for assertions with UV, one without. */
function credRandom(master: Uint8Array, credentialId: Uint8Array, uv: boolean): Uint8Array {
  const label = new TextEncoder().encode(uv ? 'hkey hmac-secret uv' : 'hkey hmac-secret');
  const message = new Uint8Array(label.length + credentialId.length);
  message.set(label);
  message.set(credentialId, label.length);
  return hmacSha256(master, message);
}

/** GetAssertion outputs for one credential. */
export async function assertionExtensions(
  runtime: FidoRuntime,
  extensions: CtapMap | undefined,
  credential: { id: Uint8Array; hmacSecret: boolean; credBlob: Uint8Array | undefined },
  uv: boolean,
): Promise<CtapMap> {
  const outputs = new Map<string, CtapValue>();
  if (extensions === undefined) return outputs;
  if (extensions.get('credBlob') === true) outputs.set('credBlob', credential.credBlob ?? new Uint8Array(0));
  const input = extensions.get('hmac-secret');
  if (input instanceof Map && credential.hmacSecret) {
    const version = memberInteger(input, 4, 'hmac-secret pinUvAuthProtocol') ?? 1;
    const protocol = pinProtocol(version);
    if (protocol === undefined) throw new CtapError('INVALID_PARAMETER', 'hmac-secret offers PIN/UV auth protocols 1 and 2 only.');
    const sharedSecret = await platformSharedSecret(runtime, protocol, input, 1);
    const saltEnc = memberBytes(input, 2, 'saltEnc');
    const saltAuth = memberBytes(input, 3, 'saltAuth');
    if (saltEnc === undefined || saltAuth === undefined) throw new CtapError('MISSING_PARAMETER', 'hmac-secret needs saltEnc and saltAuth.');
    if (!protocol.verify(sharedSecret, saltEnc, saltAuth)) throw new CtapError('INVALID_PARAMETER', 'hmac-secret saltAuth does not match saltEnc.');
    const salts = await protocol.decrypt(sharedSecret, saltEnc);
    if (salts === undefined || (salts.length !== 32 && salts.length !== 64))
      throw new CtapError('INVALID_LENGTH', 'hmac-secret takes one or two 32-byte salts.');
    const key = credRandom(runtime.state().masterSecret, credential.id, uv);
    const output = new Uint8Array(salts.length);
    for (let offset = 0; offset < salts.length; offset += 32) output.set(hmacSha256(key, salts.subarray(offset, offset + 32)), offset);
    outputs.set('hmac-secret', await protocol.encrypt(sharedSecret, output, runtime.randomBytes(16)));
  }
  return ctapMap([...outputs]);
}
