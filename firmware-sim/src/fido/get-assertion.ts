/** authenticatorGetAssertion and authenticatorGetNextAssertion (CTAP 2.1 §6.2, §6.3). */
import {
  AuthenticatorDataFlag,
  CtapError,
  type CtapMap,
  type CtapValue,
  GetAssertionKey,
  GetAssertionResponseKey,
  PinPermission,
  asCtapMap,
  ctapMap,
  encodeAuthenticatorData,
  memberArray,
  memberBoolean,
  memberBytes,
  memberMap,
  memberText,
  requiredMember,
  concatBytes,
} from '@hkey/protocol';
import { descriptor, descriptorIds, rpIdHash, signWith } from './credential-fields.js';
import { assertionExtensions } from './extensions.js';
import type { FidoCredentialRecord } from './fido-state.js';
import { equalBytes, liveCredential } from './make-credential.js';
import type { FidoRuntime } from './runtime.js';
import { userVerified } from './user-verification.js';

/** How long GetNextAssertion may follow the previous GetAssertion or GetNextAssertion (CTAP 2.1 §6.3: 30 s). */
const NEXT_ASSERTION_MS = 30_000;

interface Request {
  readonly rpId: string;
  readonly clientDataHash: Uint8Array;
  readonly extensions: CtapMap | undefined;
  readonly up: boolean;
  readonly uv: boolean;
}

async function assertion(runtime: FidoRuntime, request: Request, credentialId: Uint8Array, extra: { count?: number; withUser: boolean }): Promise<CtapMap> {
  const state = runtime.state();
  const rpHash = rpIdHash(request.rpId);
  const key = liveCredential(state, rpHash, credentialId);
  if (key === undefined) throw new CtapError('NO_CREDENTIALS', 'The credential is no longer on the key.');
  const record = state.credentials.find((item) => equalBytes(item.credentialId, credentialId));
  const extensions = await assertionExtensions(
    runtime,
    request.extensions,
    { id: credentialId, hmacSecret: key.hmacSecret, credBlob: record?.credBlob },
    request.uv,
  );
  const signCount = state.signCount + 1;
  await runtime.commit({ ...state, signCount });
  const authData = encodeAuthenticatorData({
    rpIdHash: rpHash,
    flags: (request.up ? AuthenticatorDataFlag.UP : 0) | (request.uv ? AuthenticatorDataFlag.UV : 0),
    signCount,
    extensions,
  });
  return ctapMap([
    [GetAssertionResponseKey.credential, descriptor(credentialId)],
    [GetAssertionResponseKey.authData, authData],
    [GetAssertionResponseKey.signature, await signWith(runtime.signer, key, concatBytes(authData, request.clientDataHash))],
    [GetAssertionResponseKey.user, record && extra.withUser ? userEntity(record, request.uv) : undefined],
    [GetAssertionResponseKey.numberOfCredentials, extra.count],
  ]);
}

/** The user of a discoverable credential; names only after user verification (CTAP 2.1 §6.2.2 step 12). */
function userEntity(record: FidoCredentialRecord, uv: boolean): CtapMap {
  const entries: [string, CtapValue | undefined][] = [['id', record.userId]];
  if (uv) entries.push(['name', record.userName], ['displayName', record.userDisplayName]);
  return ctapMap(entries);
}

export async function getAssertion(runtime: FidoRuntime, body: CtapMap): Promise<CtapMap> {
  const params = asCtapMap(body, 'request');
  const rpId = requiredMember(memberText, params, GetAssertionKey.rpId, 'rpId');
  const clientDataHash = requiredMember(memberBytes, params, GetAssertionKey.clientDataHash, 'clientDataHash');
  const allowList = memberArray(params, GetAssertionKey.allowList, 'allowList');
  const allowed = descriptorIds(allowList, 'allowList');
  const extensions = memberMap(params, GetAssertionKey.extensions, 'extensions');
  const options = memberMap(params, GetAssertionKey.options, 'options') ?? new Map();
  if (options.has('rk')) throw new CtapError('UNSUPPORTED_OPTION', 'GetAssertion takes no "rk" option.');
  const up = memberBoolean(options, 'up', 'options.up') ?? true;
  if (memberBoolean(options, 'uv', 'options.uv') === true) throw new CtapError('INVALID_OPTION', 'The key has no built-in user verification: use a PIN.');
  const uv = await userVerified(
    runtime,
    params,
    { param: GetAssertionKey.pinUvAuthParam, protocol: GetAssertionKey.pinUvAuthProtocol },
    clientDataHash,
    PinPermission.getAssertion,
    rpId,
  );

  const state = runtime.state();
  const rpHash = rpIdHash(rpId);
  let candidates: Uint8Array[];
  if (allowList !== undefined && allowed.length > 0) {
    // credProtect (CTAP 2.1 §12.1): level 3 needs UV even with the id in hand.
    candidates = allowed.filter((id) => {
      const key = liveCredential(state, rpHash, id);
      return key !== undefined && (key.credProtect < 3 || uv);
    });
    candidates = candidates.slice(0, 1);
  } else {
    // Discoverable credentials, newest first; level 2 and 3 need UV without an allow list.
    candidates = state.credentials
      .filter((record) => record.rpId === rpId)
      .filter((record) => {
        const key = liveCredential(state, rpHash, record.credentialId);
        return key !== undefined && (key.credProtect < 2 || uv);
      })
      .sort((a, b) => b.created - a.created)
      .map((record) => record.credentialId);
  }
  runtime.volatile.pendingAssertions = undefined;
  if (candidates.length === 0) {
    // Touch first, so a page cannot learn silently whether this key holds a credential for the RP.
    if (up) await runtime.requirePresence(`sign in to ${rpId}`);
    throw new CtapError('NO_CREDENTIALS', 'The key holds no credential for this RP.');
  }
  if (up) await runtime.requirePresence(`sign in to ${rpId}`);
  const request: Request = { rpId, clientDataHash, extensions, up, uv };
  const first = candidates[0] as Uint8Array;
  if (candidates.length > 1) {
    runtime.volatile.pendingAssertions = {
      rpId,
      clientDataHash,
      credentialIds: candidates,
      next: 1,
      flags: (up ? AuthenticatorDataFlag.UP : 0) | (uv ? AuthenticatorDataFlag.UV : 0),
      extensions,
      expiresAtMs: runtime.nowMs() + NEXT_ASSERTION_MS,
    };
  }
  const discoverableFlow = allowList === undefined || allowed.length === 0;
  return assertion(runtime, request, first, { count: candidates.length > 1 ? candidates.length : undefined, withUser: discoverableFlow });
}

export async function getNextAssertion(runtime: FidoRuntime): Promise<CtapMap> {
  const pending = runtime.volatile.pendingAssertions;
  if (pending === undefined || runtime.nowMs() > pending.expiresAtMs || pending.next >= pending.credentialIds.length) {
    runtime.volatile.pendingAssertions = undefined;
    throw new CtapError('NOT_ALLOWED', 'No GetAssertion with more credentials is pending.');
  }
  const id = pending.credentialIds[pending.next] as Uint8Array;
  pending.next += 1;
  pending.expiresAtMs = runtime.nowMs() + NEXT_ASSERTION_MS;
  const request: Request = {
    rpId: pending.rpId,
    clientDataHash: pending.clientDataHash,
    extensions: pending.extensions as CtapMap | undefined,
    up: (pending.flags & AuthenticatorDataFlag.UP) !== 0,
    uv: (pending.flags & AuthenticatorDataFlag.UV) !== 0,
  };
  return assertion(runtime, request, id, { withUser: true });
}
