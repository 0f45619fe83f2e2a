/**
 * User verification with a security key's FIDO PIN, as Chrome does it: the key that needs its PIN is selected by
 * a touch first (so the PIN goes to the key the user means), then the PIN is asked for, with the retries the key
 * reports, again after a wrong one, and turned into a pinUvAuthToken for this RP.
 */
import { CtapError } from '@hkey/protocol';
import type { FidoCallOptions } from '../../fido/ctap-channel.js';
import type { FidoClient } from '../../fido/fido-client.js';
import type { AuthenticatorInfo, PinTokenLike } from '../../fido/fido-types.js';
import type { PinUvAuthToken } from '../../fido/pin-token.js';
import { AfterTouch, type KeyAttempt } from './ceremony.js';
import { notAllowed } from './errors.js';
import type { PinPrompt, UserVerification } from './types.js';

/** An empty pinUvAuthParam: CTAP 2.0 keys wait for a touch, then answer PIN_NOT_SET or PIN_INVALID (CTAP 2.1 §6.1.2 step 1). */
const touchProbeToken: PinTokenLike = { protocol: 1, authenticate: () => new Uint8Array(0) };
const TOUCHED_PROBE_ANSWERS = new Set(['CTAP_PIN_NOT_SET', 'CTAP_PIN_INVALID', 'CTAP_PIN_AUTH_INVALID']);

/** Waits for the user to touch this key (authenticatorSelection, or the CTAP 2.0 probe); a decline on the key ends the ceremony. */
export async function touch(fido: FidoClient, info: AuthenticatorInfo, options: FidoCallOptions): Promise<void> {
  try {
    if (info.versions.includes('FIDO_2_1')) return await fido.selection(options);
    await fido.makeCredential(
      { clientDataHash: new Uint8Array(32), rp: { id: '.dummy' }, user: { id: new Uint8Array(1), name: 'dummy' }, pinToken: touchProbeToken },
      options,
    );
  } catch (error) {
    if (error instanceof CtapError && TOUCHED_PROBE_ANSWERS.has(error.code)) return;
    if (error instanceof CtapError && error.code === 'CTAP_OPERATION_DENIED') throw new AfterTouch(notAllowed(error));
    throw error;
  }
}

export interface VerificationRequest {
  readonly userVerification: UserVerification;
  readonly rpId: string;
  readonly permission: 'makeCredential' | 'getAssertion';
  /** A discoverable credential is being made: CTAP 2.1 keys without makeCredUvNotRqd want the PIN for it. */
  readonly discoverable: boolean;
  readonly prompt: PinPrompt;
}

/** Whether the request verifies the user on this key (and so has the key touched and claimed before the PIN). */
export function verifiesUser(info: AuthenticatorInfo, request: Pick<VerificationRequest, 'userVerification' | 'discoverable'>): boolean {
  const pinSet = info.options.clientPin === true;
  return (
    request.userVerification === 'required' ||
    (request.userVerification === 'preferred' && pinSet) ||
    (request.discoverable && pinSet && info.options.makeCredUvNotRqd !== true)
  );
}

/**
 * The pinUvAuthToken the request needs, or undefined without user verification: required always verifies,
 * preferred verifies when the key has a PIN, discouraged never does. The key is claimed (its touch) before the PIN
 * is asked for. A key without a PIN facing "required" ends the ceremony with NotAllowedError (Chrome would offer to
 * set a PIN).
 */
export async function verifyUser(
  fido: FidoClient,
  info: AuthenticatorInfo,
  key: KeyAttempt,
  request: VerificationRequest,
): Promise<PinUvAuthToken | undefined> {
  const pinSet = info.options.clientPin === true;
  if (!verifiesUser(info, request)) return undefined;
  await touch(fido, info, { signal: key.signal });
  if (!key.claim()) throw new CtapError('KEEPALIVE_CANCEL', 'Another security key was chosen.');
  if (!pinSet) throw new AfterTouch(notAllowed());
  return pinToken(fido, request, key.signal);
}

async function pinToken(fido: FidoClient, request: VerificationRequest, signal: AbortSignal): Promise<PinUvAuthToken> {
  for (let retry = false; ; retry = true) {
    const { retries, powerCycleRequired } = await fido.clientPin.getRetries({ signal });
    if (retries === 0 || powerCycleRequired) throw notAllowed();
    const pin = await request.prompt({ rpId: request.rpId, retries, reason: 'verify', retry });
    if (pin === undefined || signal.aborted) throw notAllowed();
    try {
      return await fido.clientPin.getPinToken(pin, { permissions: [request.permission], rpId: request.rpId }, { signal });
    } catch (error) {
      if (!(error instanceof CtapError) || error.code !== 'CTAP_PIN_INVALID') throw notAllowed(error);
    }
  }
}
