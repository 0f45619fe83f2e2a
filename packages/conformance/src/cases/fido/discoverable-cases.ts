/**
 * Discoverable credentials (docs/protocol.md §9, CTAP 2.1 §6.2, §6.3, §6.8): assertions without an allowList,
 * newest first, GetNextAssertion, the user's names only after user verification, and credential management.
 */
import {
  CredentialManagementKey,
  CredentialManagementParamKey,
  CredentialManagementResponseKey,
  CredentialManagementSubCommand,
  CtapCommand,
  CtapStatus,
  type CtapMap,
  PinPermission,
  ctapMap,
  encodeCtap,
} from '@hkey/protocol';
import { check, checkEqual, describeBytes, fail, sameBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import type { FidoChannel } from './fido-channel.js';
import { type PinToken, pinToken, pinUvAuth, setPin } from './pin-client.js';
import { descriptor, getAssertion, getAssertionParams, makeCredential, randomBytes, readAssertion, rpIdHash, runRpId } from './requests.js';
import { freshSecurityKey } from './security-key-reset.js';

const needs = ['ctap-link', 'presence', 'restart'] as const;
const PIN = '2580';
const RK = ctapMap([['rk', true]]);

async function withPin(channel: FidoChannel): Promise<void> {
  const set = await setPin(channel, PIN);
  check(set.status === CtapStatus.OK, 'setPIN OK', () => `status ${set.status}`);
}

/** A discoverable credential for `userName`, made with a token (a PIN is set). */
async function discoverable(channel: FidoChannel, token: PinToken, rpId: string, userName: string): Promise<{ credentialId: Uint8Array; userId: Uint8Array }> {
  const clientDataHash = randomBytes(32);
  const userId = randomBytes(16);
  const made = await makeCredential(channel, { rpId, clientDataHash, userId, userName, options: RK, pinUvAuth: pinUvAuth(token, clientDataHash) });
  return { credentialId: made.credentialId, userId };
}

/** One credential management subcommand with its pinUvAuthParam over subCommand || subCommandParams (CTAP 2.1 §6.8). */
function management(token: PinToken, subCommand: number, params?: CtapMap): CtapMap {
  const message = params === undefined ? Uint8Array.of(subCommand) : Uint8Array.of(subCommand, ...encodeCtap(params));
  const auth = pinUvAuth(token, message);
  return ctapMap([
    [CredentialManagementKey.subCommand, subCommand],
    [CredentialManagementKey.subCommandParams, params],
    [CredentialManagementKey.pinUvAuthProtocol, auth.protocol],
    [CredentialManagementKey.pinUvAuthParam, auth.param],
  ]);
}

function userField(user: CtapMap | undefined, name: string): unknown {
  return user?.get(name);
}

export const discoverableCases = [
  defineCase({
    id: 'FIDO-17',
    group: 'fido',
    title: 'Without an allowList the newest discoverable credential comes first with numberOfCredentials, GetNextAssertion the rest; user names only with UV',
    spec: '§9, CTAP 2.1 §6.2.2 steps 7 and 12, §6.3',
    needs,
    destructive: true,
    async run(ctx) {
      const channel = await freshSecurityKey(ctx);
      await withPin(channel);
      const rpId = runRpId(ctx, 'passkeys');
      const token = await pinToken(channel, PIN);
      const older = await discoverable(channel, token, rpId, 'older');
      const newer = await discoverable(channel, token, rpId, 'newer');
      const first = await getAssertion(channel, { rpId });
      checkEqual(first.numberOfCredentials, 2, 'numberOfCredentials (0x05)');
      check(sameBytes(first.credentialId, newer.credentialId), 'the newest credential first', () => describeBytes(first.credentialId));
      check(
        first.user instanceof Map && sameBytes(userField(first.user, 'id') as Uint8Array, newer.userId),
        'user (0x04) with the id of the newest credential',
        () => String(first.user),
      );
      check(
        userField(first.user, 'name') === undefined && userField(first.user, 'displayName') === undefined,
        'no user name or displayName without user verification',
        () => String(userField(first.user, 'name')),
      );
      const next = readAssertion(await channel.ok(CtapCommand.GetNextAssertion, undefined, 'GetNextAssertion'));
      check(sameBytes(next.credentialId, older.credentialId), 'the older credential from GetNextAssertion', () => describeBytes(next.credentialId));
      await channel.expectStatus(CtapCommand.GetNextAssertion, undefined, CtapStatus.NOT_ALLOWED, 'GetNextAssertion past the last credential');
      const clientDataHash = randomBytes(32);
      const verified = await getAssertion(channel, { rpId, clientDataHash, pinUvAuth: pinUvAuth(token, clientDataHash) });
      checkEqual(userField(verified.user, 'name'), 'newer', 'user.name with user verification');
    },
  }),
  defineCase({
    id: 'FIDO-18',
    group: 'fido',
    title: 'Credential management counts, enumerates RPs and credentials, and deletes: a deleted credential no longer asserts',
    spec: '§9, CTAP 2.1 §6.8',
    needs,
    destructive: true,
    async run(ctx) {
      const channel = await freshSecurityKey(ctx);
      await withPin(channel);
      const [rpA, rpB] = [runRpId(ctx, 'manage-a'), runRpId(ctx, 'manage-b')];
      const makeA = await pinToken(channel, PIN, { permissions: PinPermission.makeCredential, rpId: rpA });
      const a = await discoverable(channel, makeA, rpA, 'alice');
      const makeB = await pinToken(channel, PIN, { permissions: PinPermission.makeCredential, rpId: rpB });
      await discoverable(channel, makeB, rpB, 'bob');
      const token = await pinToken(channel, PIN, { permissions: PinPermission.credentialManagement });
      const call = (subCommand: number, params?: CtapMap): Promise<CtapMap> =>
        channel.ok(CtapCommand.CredentialManagement, management(token, subCommand, params), `credential management subcommand ${subCommand}`);
      const metadata = await call(CredentialManagementSubCommand.getCredsMetadata);
      checkEqual(metadata.get(CredentialManagementResponseKey.existingResidentCredentialsCount), 2, 'existingResidentCredentialsCount');
      const firstRp = await call(CredentialManagementSubCommand.enumerateRPsBegin);
      checkEqual(firstRp.get(CredentialManagementResponseKey.totalRPs), 2, 'totalRPs');
      const nextRp = await channel.ok(
        CtapCommand.CredentialManagement,
        ctapMap([[CredentialManagementKey.subCommand, CredentialManagementSubCommand.enumerateRPsGetNextRP]]),
        'enumerateRPsGetNextRP',
      );
      const rpIds = [firstRp, nextRp].map((entry) => {
        const rp = entry.get(CredentialManagementResponseKey.rp);
        return rp instanceof Map ? rp.get('id') : undefined;
      });
      check(
        [rpA, rpB].every((rpId) => rpIds.includes(rpId)),
        'both RPs enumerated',
        () => rpIds.join(', '),
      );
      const credentials = await call(
        CredentialManagementSubCommand.enumerateCredentialsBegin,
        ctapMap([[CredentialManagementParamKey.rpIdHash, rpIdHash(rpA)]]),
      );
      checkEqual(credentials.get(CredentialManagementResponseKey.totalCredentials), 1, 'totalCredentials of the first RP');
      const listed = credentials.get(CredentialManagementResponseKey.credentialId);
      const listedId = listed instanceof Map ? listed.get('id') : undefined;
      if (!(listedId instanceof Uint8Array) || !sameBytes(listedId, a.credentialId)) fail("the RP's credential id enumerated", String(listedId));
      await call(CredentialManagementSubCommand.deleteCredential, ctapMap([[CredentialManagementParamKey.credentialId, descriptor(a.credentialId)]]));
      const after = await call(CredentialManagementSubCommand.getCredsMetadata);
      checkEqual(after.get(CredentialManagementResponseKey.existingResidentCredentialsCount), 1, 'existingResidentCredentialsCount after the delete');
      await channel.expectStatus(
        CtapCommand.GetAssertion,
        getAssertionParams({ rpId: rpA, allowList: [a.credentialId] }),
        CtapStatus.NO_CREDENTIALS,
        'GetAssertion with the deleted credential',
        { presence: { kind: 'press' } },
      );
    },
  }),
];
