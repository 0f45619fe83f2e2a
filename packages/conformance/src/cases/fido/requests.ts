/**
 * What a platform sends and reads (CTAP 2.1 §6.1, §6.2; WebAuthn Level 2 §6.1, §8.2): MakeCredential and
 * GetAssertion parameters built from the protocol package's map keys, and their responses taken apart strictly.
 * Relying parties are named after the run, so the credentials a run makes never meet anyone else's.
 */
import {
  type AuthenticatorData,
  CoseAlgorithm,
  CtapCommand,
  type CtapMap,
  type CtapValue,
  GetAssertionKey,
  GetAssertionResponseKey,
  MakeCredentialKey,
  MakeCredentialResponseKey,
  ctapMap,
  decodeAuthenticatorData,
  decodeCtap,
  sha256,
} from '@hkey/protocol';
import { check, fail } from '../../checks.js';
import type { CaseContext } from '../../runner/case-context.js';
import type { FidoCallOptions, FidoChannel } from './fido-channel.js';

const utf8 = new TextEncoder();

export function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** An RP id only this run uses, e.g. "hkc-3f9a1c-login.example". */
export function runRpId(ctx: CaseContext, label: string): string {
  return `${ctx.name(label)}.example`;
}

export function rpIdHash(rpId: string): Uint8Array {
  return sha256(utf8.encode(rpId));
}

export function descriptor(id: Uint8Array): CtapMap {
  return ctapMap([
    ['id', id],
    ['type', 'public-key'],
  ]);
}

export const ES256_PARAMS: CtapValue[] = [
  ctapMap([
    ['alg', CoseAlgorithm.ES256],
    ['type', 'public-key'],
  ]),
];

export interface MakeCredentialRequest {
  readonly rpId: string;
  readonly clientDataHash?: Uint8Array;
  readonly userId?: Uint8Array;
  readonly userName?: string;
  readonly excludeList?: readonly Uint8Array[];
  readonly extensions?: CtapMap;
  readonly options?: CtapMap;
  readonly pinUvAuth?: { readonly param: Uint8Array; readonly protocol: number };
}

export function makeCredentialParams(request: MakeCredentialRequest): CtapMap {
  const userName = request.userName ?? 'conformance';
  return ctapMap([
    [MakeCredentialKey.clientDataHash, request.clientDataHash ?? randomBytes(32)],
    [
      MakeCredentialKey.rp,
      ctapMap([
        ['id', request.rpId],
        ['name', 'hkey conformance'],
      ]),
    ],
    [
      MakeCredentialKey.user,
      ctapMap([
        ['id', request.userId ?? randomBytes(16)],
        ['name', userName],
        ['displayName', userName],
      ]),
    ],
    [MakeCredentialKey.pubKeyCredParams, ES256_PARAMS],
    [MakeCredentialKey.excludeList, request.excludeList?.map(descriptor)],
    [MakeCredentialKey.extensions, request.extensions],
    [MakeCredentialKey.options, request.options],
    [MakeCredentialKey.pinUvAuthParam, request.pinUvAuth?.param],
    [MakeCredentialKey.pinUvAuthProtocol, request.pinUvAuth?.protocol],
  ]);
}

export interface GetAssertionRequest {
  readonly rpId: string;
  readonly clientDataHash?: Uint8Array;
  readonly allowList?: readonly Uint8Array[];
  readonly extensions?: CtapMap;
  readonly options?: CtapMap;
  readonly pinUvAuth?: { readonly param: Uint8Array; readonly protocol: number };
}

export function getAssertionParams(request: GetAssertionRequest): CtapMap {
  return ctapMap([
    [GetAssertionKey.rpId, request.rpId],
    [GetAssertionKey.clientDataHash, request.clientDataHash ?? randomBytes(32)],
    [GetAssertionKey.allowList, request.allowList?.map(descriptor)],
    [GetAssertionKey.extensions, request.extensions],
    [GetAssertionKey.options, request.options],
    [GetAssertionKey.pinUvAuthParam, request.pinUvAuth?.param],
    [GetAssertionKey.pinUvAuthProtocol, request.pinUvAuth?.protocol],
  ]);
}

export interface Attestation {
  readonly fmt: string;
  readonly authDataBytes: Uint8Array;
  readonly authData: AuthenticatorData;
  readonly attStmt: CtapMap;
  readonly credentialId: Uint8Array;
  /** The credential public key as a COSE_Key map. */
  readonly publicKey: CtapMap;
}

export interface Assertion {
  readonly credentialId: Uint8Array;
  readonly authDataBytes: Uint8Array;
  readonly authData: AuthenticatorData;
  readonly signature: Uint8Array;
  readonly user: CtapMap | undefined;
  readonly numberOfCredentials: number | undefined;
}

function authenticatorData(bytes: CtapValue | undefined, what: string): { authDataBytes: Uint8Array; authData: AuthenticatorData } {
  if (!(bytes instanceof Uint8Array)) fail(`${what}: authData as a byte string (CTAP 2.1 §6.1.2)`, typeof bytes);
  try {
    return { authDataBytes: bytes, authData: decodeAuthenticatorData(bytes) };
  } catch (error) {
    fail(`${what}: authenticatorData as WebAuthn §6.1 lays it out`, error instanceof Error ? error.message : String(error));
  }
}

/** The MakeCredential response members (CTAP 2.1 §6.1.2): fmt, authData with attested credential data, attStmt. */
export function readAttestation(body: CtapMap): Attestation {
  const fmt = body.get(MakeCredentialResponseKey.fmt);
  const attStmt = body.get(MakeCredentialResponseKey.attStmt);
  if (typeof fmt !== 'string') fail('MakeCredential: fmt (0x01) as text', String(fmt));
  if (!(attStmt instanceof Map)) fail('MakeCredential: attStmt (0x03) as a map', String(attStmt));
  const { authDataBytes, authData } = authenticatorData(body.get(MakeCredentialResponseKey.authData), 'MakeCredential');
  const attested = authData.attested;
  if (attested === undefined) fail('MakeCredential: attested credential data (flag AT)', `flags ${authData.flags.toString(2).padStart(8, '0')}`);
  const publicKey = decodeCtap(attested.publicKey);
  if (!(publicKey instanceof Map)) fail('MakeCredential: a COSE_Key map as credentialPublicKey', 'another CBOR item');
  return { fmt, authDataBytes, authData, attStmt, credentialId: attested.credentialId, publicKey };
}

/** The GetAssertion response members (CTAP 2.1 §6.2.2). */
export function readAssertion(body: CtapMap): Assertion {
  const credential = body.get(GetAssertionResponseKey.credential);
  const signature = body.get(GetAssertionResponseKey.signature);
  const user = body.get(GetAssertionResponseKey.user);
  const count = body.get(GetAssertionResponseKey.numberOfCredentials);
  const id = credential instanceof Map ? credential.get('id') : undefined;
  if (!(id instanceof Uint8Array)) fail('GetAssertion: credential (0x01) as a descriptor with an id', String(credential));
  if (!(signature instanceof Uint8Array)) fail('GetAssertion: signature (0x03) as a byte string', String(signature));
  check(user === undefined || user instanceof Map, 'GetAssertion: user (0x04) as a map', () => String(user));
  check(count === undefined || typeof count === 'number', 'GetAssertion: numberOfCredentials (0x05) as an integer', () => String(count));
  const { authDataBytes, authData } = authenticatorData(body.get(GetAssertionResponseKey.authData), 'GetAssertion');
  return { credentialId: id, authDataBytes, authData, signature, user: user as CtapMap | undefined, numberOfCredentials: count as number | undefined };
}

/** A credential made with a press; returns what the key attested. */
export async function makeCredential(
  channel: FidoChannel,
  request: MakeCredentialRequest,
  options: FidoCallOptions = { presence: { kind: 'press' } },
): Promise<Attestation> {
  return readAttestation(await channel.ok(CtapCommand.MakeCredential, makeCredentialParams(request), `MakeCredential for ${request.rpId}`, options));
}

/** An assertion made with a press. */
export async function getAssertion(
  channel: FidoChannel,
  request: GetAssertionRequest,
  options: FidoCallOptions = { presence: { kind: 'press' } },
): Promise<Assertion> {
  return readAssertion(await channel.ok(CtapCommand.GetAssertion, getAssertionParams(request), `GetAssertion for ${request.rpId}`, options));
}

export function flagNames(flags: number): string {
  const names = [
    ['UP', 0x01],
    ['UV', 0x04],
    ['AT', 0x40],
    ['ED', 0x80],
  ] as const;
  const set = names.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
  return `flags 0x${flags.toString(16).padStart(2, '0')} (${set.length > 0 ? set.join(' ') : 'none'})`;
}
