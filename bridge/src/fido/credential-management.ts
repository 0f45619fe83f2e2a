/**
 * authenticatorCredentialManagement from the platform's side (CTAP 2.1 §6.8): how many discoverable credentials
 * the key holds, which relying parties they belong to, the credentials of each, and deleting one. Every operation
 * needs a pinUvAuthToken with the credentialManagement permission (ClientPin.getPinToken).
 */
import {
  CredentialManagementKey,
  CredentialManagementParamKey,
  CredentialManagementResponseKey,
  CredentialManagementSubCommand,
  CtapCommand,
  CtapError,
  type CtapMap,
  type CtapValue,
  ctapMap,
  encodeCtap,
  memberBytes,
  memberInteger,
  memberMap,
  memberText,
  requiredMember,
  sha256,
} from '@hkey/protocol';
import type { CtapChannel, FidoCallOptions } from './ctap-channel.js';
import { type PinTokenLike, type UserEntity, descriptorMap, readUser } from './fido-types.js';

export interface CredentialsMetadata {
  readonly existingCredentials: number;
  readonly remainingCredentials: number;
}

export interface RelyingPartySummary {
  readonly id: string;
  readonly name?: string;
  readonly rpIdHash: Uint8Array;
}

export interface StoredCredential {
  readonly credentialId: Uint8Array;
  readonly user: UserEntity;
  /** COSE_Key CBOR. */
  readonly publicKey: Uint8Array;
  /** CTAP 2.1 §12.1: 1 optional, 2 optional with credential id list, 3 required. */
  readonly credProtect?: number;
}

const encoder = new TextEncoder();

export class CredentialManagement {
  constructor(private readonly channel: CtapChannel) {}

  async metadata(token: PinTokenLike, options: FidoCallOptions = {}): Promise<CredentialsMetadata> {
    return this.authorized(token, CredentialManagementSubCommand.getCredsMetadata, undefined, options, (result) => ({
      existingCredentials: requiredMember(
        memberInteger,
        result,
        CredentialManagementResponseKey.existingResidentCredentialsCount,
        'existingResidentCredentialsCount',
      ),
      remainingCredentials: requiredMember(
        memberInteger,
        result,
        CredentialManagementResponseKey.maxPossibleRemainingResidentCredentialsCount,
        'maxPossibleRemainingResidentCredentialsCount',
      ),
    }));
  }

  /** The relying parties with discoverable credentials on the key (enumerateRPsBegin, then GetNextRP). */
  async relyingParties(token: PinTokenLike, options: FidoCallOptions = {}): Promise<RelyingPartySummary[]> {
    const first = await this.authorized(token, CredentialManagementSubCommand.enumerateRPsBegin, undefined, options, (result) => ({
      rp: readRp(result),
      total: requiredMember(memberInteger, result, CredentialManagementResponseKey.totalRPs, 'totalRPs'),
    })).catch(emptyWhenNone);
    if (first === undefined) return [];
    const rps = [first.rp];
    while (rps.length < first.total) {
      rps.push(
        await this.channel.cbor(
          CtapCommand.CredentialManagement,
          ctapMap([[CredentialManagementKey.subCommand, CredentialManagementSubCommand.enumerateRPsGetNextRP]]),
          readRp,
          options,
        ),
      );
    }
    return rps;
  }

  /** The discoverable credentials of one relying party, newest first; `rp` is its id or its rpIdHash. */
  async credentials(token: PinTokenLike, rp: string | Uint8Array, options: FidoCallOptions = {}): Promise<StoredCredential[]> {
    const rpIdHash = typeof rp === 'string' ? sha256(encoder.encode(rp)) : rp;
    const params = ctapMap([[CredentialManagementParamKey.rpIdHash, rpIdHash]]);
    const first = await this.authorized(token, CredentialManagementSubCommand.enumerateCredentialsBegin, params, options, (result) => ({
      credential: readCredential(result),
      total: requiredMember(memberInteger, result, CredentialManagementResponseKey.totalCredentials, 'totalCredentials'),
    })).catch(emptyWhenNone);
    if (first === undefined) return [];
    const credentials = [first.credential];
    while (credentials.length < first.total) {
      credentials.push(
        await this.channel.cbor(
          CtapCommand.CredentialManagement,
          ctapMap([[CredentialManagementKey.subCommand, CredentialManagementSubCommand.enumerateCredentialsGetNextCredential]]),
          readCredential,
          options,
        ),
      );
    }
    return credentials;
  }

  /** Deletes one discoverable credential; CTAP_NO_CREDENTIALS when the key holds no such credential. */
  async delete(token: PinTokenLike, credentialId: Uint8Array, options: FidoCallOptions = {}): Promise<void> {
    const params = ctapMap([[CredentialManagementParamKey.credentialId, descriptorMap({ id: credentialId })]]);
    await this.authorized(token, CredentialManagementSubCommand.deleteCredential, params, options, () => undefined);
  }

  /** A subcommand with its pinUvAuthParam: the token's MAC of subCommand || CBOR(subCommandParams) (§6.8). */
  private authorized<T>(
    token: PinTokenLike,
    subCommand: number,
    params: CtapMap | undefined,
    options: FidoCallOptions,
    decode: (result: CtapMap) => T,
  ): Promise<T> {
    const encodedParams = params === undefined ? new Uint8Array(0) : encodeCtap(params);
    const message = new Uint8Array(1 + encodedParams.length);
    message[0] = subCommand;
    message.set(encodedParams, 1);
    const request = ctapMap([
      [CredentialManagementKey.subCommand, subCommand],
      [CredentialManagementKey.subCommandParams, params as CtapValue | undefined],
      [CredentialManagementKey.pinUvAuthProtocol, token.protocol],
      [CredentialManagementKey.pinUvAuthParam, token.authenticate(message)],
    ]);
    return this.channel.cbor(CtapCommand.CredentialManagement, request, decode, options);
  }
}

/** A key with no discoverable credentials answers the first enumeration NO_CREDENTIALS: an empty list, not an error. */
function emptyWhenNone(error: unknown): undefined {
  if (error instanceof CtapError && error.code === 'CTAP_NO_CREDENTIALS') return undefined;
  throw error;
}

function readRp(result: CtapMap): RelyingPartySummary {
  const rp = requiredMember(memberMap, result, CredentialManagementResponseKey.rp, 'rp');
  return {
    id: requiredMember(memberText, rp, 'id', 'rp.id'),
    name: memberText(rp, 'name', 'rp.name'),
    rpIdHash: requiredMember(memberBytes, result, CredentialManagementResponseKey.rpIdHash, 'rpIdHash'),
  };
}

function readCredential(result: CtapMap): StoredCredential {
  const descriptor = requiredMember(memberMap, result, CredentialManagementResponseKey.credentialId, 'credentialID');
  const publicKey = requiredMember(memberMap, result, CredentialManagementResponseKey.publicKey, 'publicKey');
  return {
    credentialId: requiredMember(memberBytes, descriptor, 'id', 'credentialID.id'),
    user: readUser(requiredMember(memberMap, result, CredentialManagementResponseKey.user, 'user')) as UserEntity,
    publicKey: encodeCtap(publicKey),
    credProtect: memberInteger(result, CredentialManagementResponseKey.credProtect, 'credProtect'),
  };
}
