/** create() on one key (WebAuthn L3 §5.1.3 step 20 for a CTAP2 authenticator, CTAP 2.1 §6.1). */
import { ctapMap, encodeCtap } from '@hkey/protocol';
import type { AttestationResult } from '../../fido/fido-types.js';
import { AfterTouch, type KeyAttempt, afterTouchError } from './ceremony.js';
import type { ClientData } from './client-data.js';
import { type ShimPublicKeyCredential, attestationCredential } from './credential.js';
import { algorithmUnsupported, notAllowed } from './errors.js';
import type { KeyLink } from './key-link.js';
import { knownCredentials } from './known-credentials.js';
import { credentialPublicKey } from './public-key.js';
import type { CreationOptions, PinPrompt } from './types.js';
import { touch, verifyUser } from './user-verification.js';

export interface Registration {
  readonly rpId: string;
  readonly options: CreationOptions;
  /** The page's algorithms of type public-key, in its order (ES256 and RS256 when it gave none). */
  readonly algorithms: readonly number[];
  readonly clientData: ClientData;
  readonly prompt: PinPrompt;
}

/** 'none' (the default, and any unknown value) hides the key's attestation statement, as Chrome does; the AAGUID stays. */
function attestationObject(result: AttestationResult, conveyance: string): Uint8Array {
  if (conveyance === 'direct' || conveyance === 'enterprise' || conveyance === 'indirect') return result.attestationObject;
  return encodeCtap(
    ctapMap([
      ['fmt', 'none'],
      ['attStmt', new Map()],
      ['authData', result.authData],
    ]),
  );
}

export async function register(link: KeyLink, key: KeyAttempt, request: Registration): Promise<ShimPublicKeyCredential> {
  const { fido } = link;
  const options = { signal: key.signal };
  const info = await fido.getInfo(options);
  const algorithms = info.algorithms.length === 0 ? request.algorithms : request.algorithms.filter((alg) => info.algorithms.includes(alg));
  if (algorithms.length === 0) {
    await touch(fido, info, options);
    throw new AfterTouch(algorithmUnsupported());
  }
  const wantsResidentKey = request.options.residentKey;
  const discoverable = wantsResidentKey === 'required' || (wantsResidentKey === 'preferred' && info.options.rk === true);
  if (discoverable && info.options.rk !== true) {
    await touch(fido, info, options);
    throw new AfterTouch(notAllowed());
  }
  const pinToken = await verifyUser(fido, info, key, {
    userVerification: request.options.userVerification,
    rpId: request.rpId,
    permission: 'makeCredential',
    discoverable,
    prompt: request.prompt,
  });
  const excludeList = await knownCredentials(fido, info, request.rpId, request.options.excludeCredentials, options);
  const { user, rp } = request.options;
  let result: AttestationResult;
  try {
    result = await fido.makeCredential(
      {
        clientDataHash: request.clientData.hash,
        rp: { id: request.rpId, name: rp.name },
        user: { id: user.id, name: user.name, displayName: user.displayName },
        algorithms,
        excludeList,
        residentKey: discoverable,
        ...(pinToken === undefined ? {} : { pinToken }),
      },
      options,
    );
  } catch (error) {
    throw afterTouchError(error);
  }
  const publicKey = credentialPublicKey(result.publicKey);
  const transports = [...new Set([...info.transports, link.transport])].sort();
  const extensions = request.options.extensions.credProps === true ? { credProps: { rk: discoverable } } : {};
  return attestationCredential(
    result.credentialId,
    {
      clientDataJSON: request.clientData.json,
      attestationObject: attestationObject(result, request.options.attestation),
      authenticatorData: result.authData,
      transports,
      publicKey: publicKey.spki,
      publicKeyAlgorithm: publicKey.algorithm,
    },
    extensions,
  );
}
