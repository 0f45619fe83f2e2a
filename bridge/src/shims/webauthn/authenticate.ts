/** get() on one key (WebAuthn L3 §5.1.4.2 step 18 for a CTAP2 authenticator, CTAP 2.1 §6.2). */
import type { Assertion } from '../../fido/fido-types.js';
import { AfterTouch, type KeyAttempt, afterTouchError } from './ceremony.js';
import type { ClientData } from './client-data.js';
import { type ShimPublicKeyCredential, assertionCredential } from './credential.js';
import { notAllowed } from './errors.js';
import type { KeyLink } from './key-link.js';
import { holdsDiscoverable, knownCredentials } from './known-credentials.js';
import type { PinPrompt, RequestOptions } from './types.js';
import { touch, verifiesUser, verifyUser } from './user-verification.js';

export interface Authentication {
  readonly rpId: string;
  readonly options: RequestOptions;
  readonly clientData: ClientData;
  readonly prompt: PinPrompt;
}

/**
 * Real CTAP 2.x keys answer NO_CREDENTIALS at once, without a touch; that must not end the ceremony, or the key that
 * holds the credential never gets its chance. So, unless the key is touched for user verification first, each key
 * is asked silently (up: false) whether it holds a credential for the request, as Chrome does; one that holds none
 * only blinks, and touching it ends the ceremony with NotAllowedError ("this key is not registered"). With an allow
 * list, the credential the key recognises is sent alone; without one, the key's discoverable credentials for the RP
 * answer, and where several match, the newest is used (Chrome would show an account chooser).
 */
export async function authenticate(link: KeyLink, key: KeyAttempt, request: Authentication): Promise<ShimPublicKeyCredential> {
  const { fido } = link;
  const options = { signal: key.signal };
  const info = await fido.getInfo(options);
  const requested = request.options.allowCredentials;
  const verifies = verifiesUser(info, { userVerification: request.options.userVerification, discoverable: false });
  const probe = verifies ? 'long-lists' : 'always';
  const allowList = requested.length === 0 ? [] : await knownCredentials(fido, info, request.rpId, requested, options, probe);
  const holdsNone = requested.length > 0 ? allowList.length === 0 : !verifies && !(await holdsDiscoverable(fido, request.rpId, options));
  if (holdsNone) {
    await touch(fido, info, options);
    throw new AfterTouch(notAllowed());
  }
  const pinToken = await verifyUser(fido, info, key, {
    userVerification: request.options.userVerification,
    rpId: request.rpId,
    permission: 'getAssertion',
    discoverable: false,
    prompt: request.prompt,
  });
  let assertion: Assertion;
  try {
    assertion = await fido.getAssertion(
      { rpId: request.rpId, clientDataHash: request.clientData.hash, allowList, ...(pinToken === undefined ? {} : { pinToken }) },
      options,
    );
  } catch (error) {
    throw afterTouchError(error);
  }
  return assertionCredential(
    assertion.credentialId,
    {
      clientDataJSON: request.clientData.json,
      authenticatorData: assertion.authData,
      signature: assertion.signature,
      userHandle: assertion.user?.id ?? null,
    },
    {},
  );
}
