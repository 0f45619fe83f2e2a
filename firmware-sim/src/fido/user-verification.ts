/**
 * The user-verification steps MakeCredential and GetAssertion share (CTAP 2.1 §6.1.2 steps 1-2 and 11,
 * §6.2.2 steps 1-2 and 9).
 */
import { CtapError, type CtapMap, memberBytes, memberInteger, pinProtocol } from '@hkey/protocol';
import { requestProtocol, verifyPinUvAuthParam } from './client-pin.js';
import type { FidoRuntime } from './runtime.js';

/**
 * A zero-length pinUvAuthParam asks the user to touch the key that should be used (browsers send it to every key
 * at once); the answer then says whether a PIN is set.
 */
async function touchProbe(runtime: FidoRuntime): Promise<never> {
  await runtime.requirePresence('select this key');
  if (runtime.state().pin === undefined) throw new CtapError('PIN_NOT_SET', 'No FIDO PIN is set.');
  throw new CtapError('PIN_INVALID', 'A PIN is set: get a pinUvAuthToken first.');
}

/** Returns whether the request proves user verification; throws for a bad proof or an unsupported protocol. */
export async function userVerified(
  runtime: FidoRuntime,
  params: CtapMap,
  keys: { param: number; protocol: number },
  clientDataHash: Uint8Array,
  permission: number,
  rpId: string,
): Promise<boolean> {
  const param = memberBytes(params, keys.param, 'pinUvAuthParam');
  if (param === undefined) {
    const version = memberInteger(params, keys.protocol, 'pinUvAuthProtocol');
    if (version !== undefined && pinProtocol(version) === undefined)
      throw new CtapError('INVALID_PARAMETER', 'The key offers PIN/UV auth protocols 1 and 2 only.');
    return false;
  }
  if (param.length === 0) return touchProbe(runtime);
  const protocol = requestProtocol(params, keys.protocol);
  if (runtime.state().pin === undefined) throw new CtapError('PIN_NOT_SET', 'No FIDO PIN is set.');
  verifyPinUvAuthParam(runtime, protocol, clientDataHash, param, permission, rpId);
  return true;
}
