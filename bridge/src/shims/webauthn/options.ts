/**
 * CredentialCreationOptions and CredentialRequestOptions as a browser reads them: WebIDL conversion (members in
 * lexicographic order, so the first missing one is the one a browser names), then Chrome's extra checks.
 */
import { domError } from '../dom.js';
import { notSupported } from './errors.js';
import type { CreationOptions, RequestOptions } from './types.js';
import { WebIdlReader, residentKey, userVerification } from './webidl.js';

/** WebAuthn L3 §5.4.3: a user handle has at most 64 bytes. */
const MAX_USER_ID_BYTES = 64;
/** Chrome's limit on excludeCredentials and allowCredentials. */
const MAX_DESCRIPTORS = 64;

export interface Ceremony<T> {
  readonly publicKey: T;
  readonly signal?: AbortSignal;
  readonly mediation: string;
}

function outer(operation: 'create' | 'get', options: unknown): { dictionary: Record<string, unknown>; reader: WebIdlReader; signal?: AbortSignal } {
  const reader = new WebIdlReader(operation);
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw reader.fail(`parameter 1 ('options') is not an object.`);
  }
  const dictionary = (options ?? {}) as Record<string, unknown>;
  const signal = dictionary.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw reader
      .member('signal', operation === 'create' ? 'CredentialCreationOptions' : 'CredentialRequestOptions')
      .fail("Failed to convert value to 'AbortSignal'.");
  }
  return { dictionary, reader, ...(signal === undefined ? {} : { signal }) };
}

/** Other credential types (password, federated, identity): the shim handles publicKey only. */
function requirePublicKey(dictionary: Record<string, unknown>): void {
  if (dictionary.publicKey === undefined) throw notSupported("Only 'publicKey' credentials are supported.");
}

export function creationOptions(options: unknown): Ceremony<CreationOptions> {
  const { dictionary, reader, signal } = outer('create', options);
  requirePublicKey(dictionary);
  const owner = 'PublicKeyCredentialCreationOptions';
  const [publicKey, read] = reader.dictionary(dictionary.publicKey, 'publicKey', 'CredentialCreationOptions');
  const attestation = publicKey.attestation === undefined ? 'none' : read.domString(publicKey.attestation);
  const [selection] = read.dictionary(publicKey.authenticatorSelection, 'authenticatorSelection', owner);
  const challenge = read.member('challenge', owner).bufferSource(read.required(publicKey, 'challenge', owner));
  const excludeCredentials = read.descriptors(publicKey.excludeCredentials, 'excludeCredentials', owner);
  const [extensions] = read.dictionary(publicKey.extensions, 'extensions', owner);
  const params = read
    .member('pubKeyCredParams', owner)
    .sequence(read.required(publicKey, 'pubKeyCredParams', owner))
    .map((entry, index) => {
      const [param, paramReader] = read.dictionary(entry, `pubKeyCredParams[${index}]`, owner);
      const alg = paramReader.long(paramReader.required(param, 'alg', 'PublicKeyCredentialParameters'));
      return { alg, type: paramReader.domString(paramReader.required(param, 'type', 'PublicKeyCredentialParameters')) };
    });
  const [rp, rpReader] = read.dictionary(read.required(publicKey, 'rp', owner), 'rp', owner);
  const rpId = rp.id === undefined ? undefined : rpReader.domString(rp.id);
  const rpName = rpReader.domString(rpReader.required(rp, 'name', 'PublicKeyCredentialRpEntity'));
  const timeout = publicKey.timeout === undefined ? undefined : read.unsignedLong(publicKey.timeout);
  const [user, userReader] = read.dictionary(read.required(publicKey, 'user', owner), 'user', owner);
  const displayName = userReader.domString(userReader.required(user, 'displayName', 'PublicKeyCredentialUserEntity'));
  const userId = userReader.member('id', 'PublicKeyCredentialUserEntity').bufferSource(userReader.required(user, 'id', 'PublicKeyCredentialUserEntity'));
  const userName = userReader.domString(userReader.required(user, 'name', 'PublicKeyCredentialUserEntity'));

  if (excludeCredentials.length > MAX_DESCRIPTORS) throw domError('RangeError', 'The `excludeCredentials` attribute exceeds the maximum allowed size (64).');
  if (userId.length > MAX_USER_ID_BYTES) throw new TypeError('User handle exceeds 64 bytes.');
  return {
    ...(signal === undefined ? {} : { signal }),
    mediation: typeof dictionary.mediation === 'string' ? dictionary.mediation : 'optional',
    publicKey: {
      rp: { ...(rpId === undefined ? {} : { id: rpId }), name: rpName },
      user: { id: userId, name: userName, displayName },
      challenge,
      pubKeyCredParams: params,
      ...(timeout === undefined ? {} : { timeout }),
      excludeCredentials,
      residentKey: residentKey(selection.residentKey, selection.requireResidentKey),
      userVerification: userVerification(selection.userVerification),
      attestation,
      extensions,
    },
  };
}

export function requestOptions(options: unknown): Ceremony<RequestOptions> {
  const { dictionary, reader, signal } = outer('get', options);
  requirePublicKey(dictionary);
  const owner = 'PublicKeyCredentialRequestOptions';
  const [publicKey, read] = reader.dictionary(dictionary.publicKey, 'publicKey', 'CredentialRequestOptions');
  const allowCredentials = read.descriptors(publicKey.allowCredentials, 'allowCredentials', owner);
  if (publicKey.challenge === undefined) throw new TypeError("Failed to read the 'challenge' property from 'PublicKeyCredentialRequestOptions'");
  const challenge = read.member('challenge', owner).bufferSource(publicKey.challenge);
  const [extensions] = read.dictionary(publicKey.extensions, 'extensions', owner);
  const rpId = publicKey.rpId === undefined ? undefined : read.domString(publicKey.rpId);
  const timeout = publicKey.timeout === undefined ? undefined : read.unsignedLong(publicKey.timeout);

  if (allowCredentials.length > MAX_DESCRIPTORS) throw domError('RangeError', 'The `allowCredentials` attribute exceeds the maximum allowed size (64).');
  if (extensions.credProps === true) throw notSupported("The 'credProps' extension is only valid when creating a credential");
  return {
    ...(signal === undefined ? {} : { signal }),
    mediation: typeof dictionary.mediation === 'string' ? dictionary.mediation : 'optional',
    publicKey: {
      challenge,
      ...(timeout === undefined ? {} : { timeout }),
      ...(rpId === undefined ? {} : { rpId }),
      allowCredentials,
      userVerification: userVerification(publicKey.userVerification),
      extensions,
    },
  };
}
