/**
 * authenticatorCredentialManagement (CTAP 2.1 §6.8): metadata, enumerating RPs and their credentials, deleting a
 * credential and updating its user. Every subcommand needs a pinUvAuthToken with the credentialManagement permission.
 */
import {
  CredentialManagementKey,
  CredentialManagementParamKey,
  CredentialManagementResponseKey,
  CredentialManagementSubCommand,
  CtapError,
  type CtapMap,
  type CtapValue,
  PinPermission,
  asCtapMap,
  ctapMap,
  encodeCtap,
  memberBytes,
  memberInteger,
  memberMap,
  memberText,
  requiredMember,
} from '@hkey/protocol';
import { requestProtocol, verifyPinUvAuthParam } from './client-pin.js';
import { descriptor, rpIdHash, truncateName } from './credential-fields.js';
import { type FidoCredentialRecord, MAX_CREDENTIAL_RECORD_BYTES } from './fido-state.js';
import { cosePublicKey, equalBytes, liveCredential } from './make-credential.js';
import type { FidoRuntime } from './runtime.js';

function authorize(runtime: FidoRuntime, params: CtapMap, subCommand: number): void {
  const protocol = requestProtocol(params, CredentialManagementKey.pinUvAuthProtocol);
  const param = requiredMember(memberBytes, params, CredentialManagementKey.pinUvAuthParam, 'pinUvAuthParam');
  const subParams = params.get(CredentialManagementKey.subCommandParams);
  const message = subParams === undefined ? new Uint8Array([subCommand]) : new Uint8Array([subCommand, ...encodeCtap(subParams)]);
  verifyPinUvAuthParam(runtime, protocol, message, param, PinPermission.credentialManagement, undefined);
}

function rpEntry(rpId: string, rpName: string | undefined): CtapMap {
  return ctapMap([
    ['id', rpId],
    ['name', rpName],
  ]);
}

async function credentialEntry(runtime: FidoRuntime, record: FidoCredentialRecord, total?: number): Promise<CtapMap> {
  const key = liveCredential(runtime.state(), rpIdHash(record.rpId), record.credentialId);
  if (key === undefined) throw new CtapError('NO_CREDENTIALS', 'The credential is no longer on the key.');
  return ctapMap([
    [
      CredentialManagementResponseKey.user,
      ctapMap([
        ['id', record.userId],
        ['name', record.userName],
        ['displayName', record.userDisplayName],
      ] as [string, CtapValue | undefined][]),
    ],
    [CredentialManagementResponseKey.credentialId, descriptor(record.credentialId)],
    [CredentialManagementResponseKey.publicKey, await cosePublicKey(key)],
    [CredentialManagementResponseKey.totalCredentials, total],
    [CredentialManagementResponseKey.credProtect, key.credProtect],
  ]);
}

function credentialIdParam(params: CtapMap): Uint8Array {
  const subParams = requiredMember(memberMap, params, CredentialManagementKey.subCommandParams, 'subCommandParams');
  const credential = requiredMember(memberMap, subParams, CredentialManagementParamKey.credentialId, 'subCommandParams.credentialID');
  return requiredMember(memberBytes, credential, 'id', 'subCommandParams.credentialID.id');
}

export async function credentialManagement(runtime: FidoRuntime, body: CtapMap): Promise<CtapMap> {
  const params = asCtapMap(body, 'request');
  const subCommand = requiredMember(memberInteger, params, CredentialManagementKey.subCommand, 'subCommand');
  const continuing =
    subCommand === CredentialManagementSubCommand.enumerateRPsGetNextRP || subCommand === CredentialManagementSubCommand.enumerateCredentialsGetNextCredential;
  if (!Object.values(CredentialManagementSubCommand).includes(subCommand as never))
    throw new CtapError('INVALID_SUBCOMMAND', 'The key does not offer this credential management subcommand.');
  if (!continuing) {
    if (runtime.state().pin === undefined) throw new CtapError('PUAT_REQUIRED', 'Credential management needs a PIN: set one first.');
    authorize(runtime, params, subCommand);
  }
  const state = runtime.state();
  const volatile = runtime.volatile;
  switch (subCommand) {
    case CredentialManagementSubCommand.getCredsMetadata:
      return ctapMap([
        [CredentialManagementResponseKey.existingResidentCredentialsCount, state.credentials.length],
        [
          CredentialManagementResponseKey.maxPossibleRemainingResidentCredentialsCount,
          Math.floor(Math.max(0, runtime.storageFree()) / MAX_CREDENTIAL_RECORD_BYTES),
        ],
      ]);
    case CredentialManagementSubCommand.enumerateRPsBegin: {
      const rps = new Map<string, string | undefined>();
      for (const record of state.credentials) if (!rps.has(record.rpId)) rps.set(record.rpId, record.rpName);
      const items = [...rps].map(([rpId, rpName]) => ({ rpId, rpName }));
      if (items.length === 0) throw new CtapError('NO_CREDENTIALS', 'The key holds no discoverable credentials.');
      volatile.rpEnumeration = { items, next: 1 };
      const first = items[0] as { rpId: string; rpName: string | undefined };
      return ctapMap([
        [CredentialManagementResponseKey.rp, rpEntry(first.rpId, first.rpName)],
        [CredentialManagementResponseKey.rpIdHash, rpIdHash(first.rpId)],
        [CredentialManagementResponseKey.totalRPs, items.length],
      ]);
    }
    case CredentialManagementSubCommand.enumerateRPsGetNextRP: {
      const enumeration = volatile.rpEnumeration;
      const item = enumeration?.items[enumeration.next];
      if (enumeration === undefined || item === undefined) throw new CtapError('NOT_ALLOWED', 'No RP enumeration is in progress.');
      enumeration.next += 1;
      return ctapMap([
        [CredentialManagementResponseKey.rp, rpEntry(item.rpId, item.rpName)],
        [CredentialManagementResponseKey.rpIdHash, rpIdHash(item.rpId)],
      ]);
    }
    case CredentialManagementSubCommand.enumerateCredentialsBegin: {
      const subParams = requiredMember(memberMap, params, CredentialManagementKey.subCommandParams, 'subCommandParams');
      const hash = requiredMember(memberBytes, subParams, CredentialManagementParamKey.rpIdHash, 'subCommandParams.rpIDHash');
      const records = state.credentials.filter((record) => equalBytes(rpIdHash(record.rpId), hash)).sort((a, b) => b.created - a.created);
      if (records.length === 0) throw new CtapError('NO_CREDENTIALS', 'The key holds no credentials for this RP.');
      volatile.credentialEnumeration = { items: records.map((record) => record.credentialId), next: 1 };
      return credentialEntry(runtime, records[0] as FidoCredentialRecord, records.length);
    }
    case CredentialManagementSubCommand.enumerateCredentialsGetNextCredential: {
      const enumeration = volatile.credentialEnumeration;
      const id = enumeration?.items[enumeration.next];
      const record = id && state.credentials.find((item) => equalBytes(item.credentialId, id));
      if (enumeration === undefined || record === undefined) throw new CtapError('NOT_ALLOWED', 'No credential enumeration is in progress.');
      enumeration.next += 1;
      return credentialEntry(runtime, record);
    }
    case CredentialManagementSubCommand.deleteCredential: {
      const id = credentialIdParam(params);
      if (!state.credentials.some((record) => equalBytes(record.credentialId, id))) throw new CtapError('NO_CREDENTIALS', 'The key holds no such credential.');
      await runtime.commit({ ...state, credentials: state.credentials.filter((record) => !equalBytes(record.credentialId, id)) });
      return new Map();
    }
    default: {
      const id = credentialIdParam(params);
      const subParams = params.get(CredentialManagementKey.subCommandParams) as CtapMap;
      const user = requiredMember(memberMap, subParams, CredentialManagementParamKey.user, 'subCommandParams.user');
      const userId = requiredMember(memberBytes, user, 'id', 'subCommandParams.user.id');
      const record = state.credentials.find((item) => equalBytes(item.credentialId, id));
      if (record === undefined) throw new CtapError('NO_CREDENTIALS', 'The key holds no such credential.');
      if (!equalBytes(record.userId, userId)) throw new CtapError('INVALID_PARAMETER', 'The user id does not match the credential.');
      const updated: FidoCredentialRecord = {
        ...record,
        userName: truncateName(memberText(user, 'name', 'user.name')),
        userDisplayName: truncateName(memberText(user, 'displayName', 'user.displayName')),
      };
      await runtime.commit({ ...state, credentials: state.credentials.map((item) => (item === record ? updated : item)) });
      return new Map();
    }
  }
}
