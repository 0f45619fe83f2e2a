/** authenticatorMakeCredential (CTAP 2.1 §6.1): a new credential, attested. */
import {
  AuthenticatorDataFlag,
  CoseAlgorithm,
  CtapError,
  type CtapMap,
  type CtapValue,
  MakeCredentialKey,
  MakeCredentialResponseKey,
  PinPermission,
  asCtapMap,
  coseEc2Key,
  coseOkpKey,
  ctapMap,
  encodeAuthenticatorData,
  encodeCtap,
  memberArray,
  memberBoolean,
  memberBytes,
  memberInteger,
  memberMap,
  memberText,
  requiredMember,
  concatBytes,
} from '@hkey/protocol';
import { type CredentialKey, newCredentialId, openCredentialId } from './credential-id.js';
import { MAX_USER_ID_BYTES, descriptorIds, rpIdHash, signWith, truncateName } from './credential-fields.js';
import { creationExtensions } from './extensions.js';
import { type FidoCredentialRecord, type FidoState, credentialRecordBytes } from './fido-state.js';
import type { FidoRuntime } from './runtime.js';
import { userVerified } from './user-verification.js';

const SUPPORTED_ALGORITHMS: readonly number[] = [CoseAlgorithm.ES256, CoseAlgorithm.EdDSA];

/** The first entry of pubKeyCredParams the key supports (the RP's order is its preference). */
function chooseAlgorithm(list: CtapValue[]): number {
  let chosen: number | undefined;
  for (const [index, item] of list.entries()) {
    if (!(item instanceof Map)) throw new CtapError('CBOR_UNEXPECTED_TYPE', `pubKeyCredParams[${index}] must be a map.`);
    const alg = requiredMember(memberInteger, item, 'alg', `pubKeyCredParams[${index}].alg`);
    const type = requiredMember(memberText, item, 'type', `pubKeyCredParams[${index}].type`);
    if (chosen === undefined && type === 'public-key' && SUPPORTED_ALGORITHMS.includes(alg)) chosen = alg;
  }
  if (chosen === undefined) throw new CtapError('UNSUPPORTED_ALGORITHM', 'The key supports ES256 (-7) and EdDSA (-8) only.');
  return chosen;
}

/** A credential of this key for this RP that is still valid: an id it made, and for a discoverable one, its record. */
export function liveCredential(state: FidoState, rpHash: Uint8Array, id: Uint8Array): CredentialKey | undefined {
  const key = openCredentialId(state.masterSecret, rpHash, id);
  if (key === undefined) return undefined;
  if (key.discoverable && !state.credentials.some((record) => equalBytes(record.credentialId, id))) return undefined;
  return key;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

export async function cosePublicKey(key: CredentialKey): Promise<CtapMap> {
  const publicKey = await key.publicKey();
  return key.alg === CoseAlgorithm.EdDSA ? coseOkpKey(publicKey) : coseEc2Key(publicKey.slice(1, 33), publicKey.slice(33), CoseAlgorithm.ES256);
}

export async function makeCredential(runtime: FidoRuntime, body: CtapMap): Promise<CtapMap> {
  const params = asCtapMap(body, 'request');
  const clientDataHash = requiredMember(memberBytes, params, MakeCredentialKey.clientDataHash, 'clientDataHash');
  const rp = requiredMember(memberMap, params, MakeCredentialKey.rp, 'rp');
  const rpId = requiredMember(memberText, rp, 'id', 'rp.id');
  const rpName = truncateName(memberText(rp, 'name', 'rp.name'));
  const user = requiredMember(memberMap, params, MakeCredentialKey.user, 'user');
  const userId = requiredMember(memberBytes, user, 'id', 'user.id');
  const userName = truncateName(memberText(user, 'name', 'user.name'));
  const userDisplayName = truncateName(memberText(user, 'displayName', 'user.displayName'));
  const alg = chooseAlgorithm(requiredMember(memberArray, params, MakeCredentialKey.pubKeyCredParams, 'pubKeyCredParams'));
  const excluded = descriptorIds(memberArray(params, MakeCredentialKey.excludeList, 'excludeList'), 'excludeList');
  const extensions = memberMap(params, MakeCredentialKey.extensions, 'extensions');
  const options = memberMap(params, MakeCredentialKey.options, 'options') ?? new Map();
  const discoverable = memberBoolean(options, 'rk', 'options.rk') ?? false;
  if (memberBoolean(options, 'up', 'options.up') === false) throw new CtapError('INVALID_OPTION', 'MakeCredential always tests user presence.');
  if (memberBoolean(options, 'uv', 'options.uv') === true) throw new CtapError('INVALID_OPTION', 'The key has no built-in user verification: use a PIN.');
  if (params.has(MakeCredentialKey.enterpriseAttestation)) throw new CtapError('INVALID_PARAMETER', 'The key offers no enterprise attestation.');
  if (userId.length > MAX_USER_ID_BYTES) throw new CtapError('INVALID_LENGTH', `user.id is longer than ${MAX_USER_ID_BYTES} bytes.`);

  const uv = await userVerified(
    runtime,
    params,
    { param: MakeCredentialKey.pinUvAuthParam, protocol: MakeCredentialKey.pinUvAuthProtocol },
    clientDataHash,
    PinPermission.makeCredential,
    rpId,
  );
  if (!uv && runtime.state().pin !== undefined && discoverable) {
    throw new CtapError('PUAT_REQUIRED', 'A PIN is set: a discoverable credential needs a pinUvAuthToken.');
  }

  const rpHash = rpIdHash(rpId);
  const state = runtime.state();
  for (const id of excluded) {
    const key = liveCredential(state, rpHash, id);
    if (key !== undefined && (key.credProtect < 3 || uv)) {
      await runtime.requirePresence(`already registered with ${rpId}`);
      throw new CtapError('CREDENTIAL_EXCLUDED', 'This key already holds a credential the RP excluded.');
    }
  }
  const { inputs, outputs } = creationExtensions(extensions, discoverable);
  const { id, key } = newCredentialId(
    state.masterSecret,
    rpHash,
    { alg, discoverable, credProtect: inputs.credProtect, hmacSecret: inputs.hmacSecret },
    runtime.randomBytes(16),
  );

  let credentials = state.credentials;
  let record: FidoCredentialRecord | undefined;
  if (discoverable) {
    record = { credentialId: id, rpId, rpName, userId, userName, userDisplayName, credBlob: inputs.credBlob, created: state.nextCreated };
    const replaced = credentials.filter((existing) => existing.rpId === rpId && equalBytes(existing.userId, userId));
    const freed = replaced.reduce((sum, existing) => sum + credentialRecordBytes(existing), 0);
    if (credentialRecordBytes(record) > runtime.storageFree() + freed)
      throw new CtapError('KEY_STORE_FULL', 'The key has no room for another discoverable credential.');
    credentials = [...credentials.filter((existing) => !replaced.includes(existing)), record];
  }

  await runtime.requirePresence(`register with ${rpId}`);
  const signCount = state.signCount + 1;
  await runtime.commit({ ...runtime.state(), signCount, credentials, nextCreated: state.nextCreated + 1 });

  const authData = encodeAuthenticatorData({
    rpIdHash: rpHash,
    flags: AuthenticatorDataFlag.UP | (uv ? AuthenticatorDataFlag.UV : 0),
    signCount,
    attested: { aaguid: runtime.attestation.aaguid, credentialId: id, publicKey: encodeCtap(await cosePublicKey(key)) },
    extensions: outputs,
  });
  const signed = concatBytes(authData, clientDataHash);
  let fmt: string = runtime.attestationFormat;
  let attStmt: CtapMap;
  switch (runtime.attestationFormat) {
    case 'packed':
      attStmt = ctapMap([
        ['alg', CoseAlgorithm.ES256],
        ['sig', await runtime.signer.p256(runtime.attestation.privateKey, signed)],
        ['x5c', [...(await runtime.attestation.certificates())]],
      ]);
      break;
    case 'self':
      fmt = 'packed';
      attStmt = ctapMap([
        ['alg', key.alg],
        ['sig', await signWith(runtime.signer, key, signed)],
      ]);
      break;
    default:
      attStmt = new Map();
  }
  return ctapMap([
    [MakeCredentialResponseKey.fmt, fmt],
    [MakeCredentialResponseKey.authData, authData],
    [MakeCredentialResponseKey.attStmt, attStmt],
  ]);
}
