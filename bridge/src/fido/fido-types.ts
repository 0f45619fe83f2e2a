/**
 * What the FIDO client sends and gets back, typed, and the strict readers of the authenticator's answers
 * (CTAP 2.1 §6.1.2, §6.2.2, §6.4). Readers throw CtapError for a bad member; CtapChannel turns that into
 * PROTOCOL_VIOLATION, because it is the key that broke the rules.
 */
import {
  type AuthenticatorData,
  CtapError,
  type CtapMap,
  type CtapValue,
  GetAssertionResponseKey,
  GetInfoKey,
  MakeCredentialResponseKey,
  ctapMap,
  decodeAuthenticatorData,
  encodeCtap,
  memberArray,
  memberBytes,
  memberInteger,
  memberMap,
  memberText,
  requiredMember,
} from '@hkey/protocol';

export interface RelyingPartyEntity {
  readonly id: string;
  readonly name?: string;
}

export interface UserEntity {
  readonly id: Uint8Array;
  readonly name?: string;
  readonly displayName?: string;
}

export interface CredentialDescriptor {
  readonly id: Uint8Array;
  readonly transports?: readonly string[];
}

export interface AuthenticatorInfo {
  readonly versions: readonly string[];
  readonly extensions: readonly string[];
  readonly aaguid: Uint8Array;
  /** rk, up, uv, plat, clientPin, credMgmt, pinUvAuthToken, makeCredUvNotRqd…: absent means not supported. */
  readonly options: Readonly<Record<string, boolean>>;
  readonly maxMsgSize?: number;
  /** In the key's order of preference. */
  readonly pinUvAuthProtocols: readonly number[];
  readonly maxCredentialCountInList?: number;
  readonly maxCredentialIdLength?: number;
  readonly transports: readonly string[];
  /** COSE algorithm identifiers (-7 ES256, -8 EdDSA). */
  readonly algorithms: readonly number[];
  /** CTAP 2.1 §6.4: 4 when the key does not say. */
  readonly minPinLength: number;
  readonly firmwareVersion?: number;
  readonly maxCredBlobLength?: number;
  readonly remainingDiscoverableCredentials?: number;
}

export interface MakeCredentialParams {
  /** SHA-256 of the clientDataJSON the relying party will see. */
  readonly clientDataHash: Uint8Array;
  readonly rp: RelyingPartyEntity;
  readonly user: UserEntity;
  /** COSE algorithms in order of preference; default [-7] (ES256). */
  readonly algorithms?: readonly number[];
  /** Credentials the account already has: a key holding one answers CREDENTIAL_EXCLUDED. */
  readonly excludeList?: readonly CredentialDescriptor[];
  /** Authenticator extension inputs by identifier ("credProtect", "hmac-secret", "credBlob", "minPinLength"). */
  readonly extensions?: ReadonlyMap<string, CtapValue>;
  /** A discoverable (resident) credential: usable without the relying party naming it (passwordless). */
  readonly residentKey?: boolean;
  /** Proves user verification (the FIDO PIN): getPinToken with the makeCredential permission. */
  readonly pinToken?: PinTokenLike;
}

export interface GetAssertionParams {
  readonly rpId: string;
  readonly clientDataHash: Uint8Array;
  /** The credentials the relying party accepts; empty or absent: the key's discoverable ones for rpId. */
  readonly allowList?: readonly CredentialDescriptor[];
  readonly extensions?: ReadonlyMap<string, CtapValue>;
  /** Ask for a touch (default true); false makes a silent assertion (CTAP 2.1 §6.2.2 "up": false). */
  readonly userPresence?: boolean;
  /** Proves user verification: getPinToken with the getAssertion permission. */
  readonly pinToken?: PinTokenLike;
}

/** What a request needs of a pinUvAuthToken: its protocol and the MAC it computes (pin-token.ts). */
export interface PinTokenLike {
  readonly protocol: 1 | 2;
  authenticate(message: Uint8Array): Uint8Array;
}

export interface AttestationResult {
  /** "packed", "none", … */
  readonly fmt: string;
  readonly authData: Uint8Array;
  readonly attStmt: CtapMap;
  readonly authenticatorData: AuthenticatorData;
  readonly credentialId: Uint8Array;
  /** The credential public key as COSE_Key CBOR. */
  readonly publicKey: Uint8Array;
  /** The WebAuthn attestationObject (CBOR {fmt, attStmt, authData}) a browser hands to the relying party. */
  readonly attestationObject: Uint8Array;
}

export interface Assertion {
  readonly credentialId: Uint8Array;
  readonly authData: Uint8Array;
  readonly authenticatorData: AuthenticatorData;
  readonly signature: Uint8Array;
  /** Discoverable credentials: the user handle (id) and, when several match, name and displayName. */
  readonly user?: UserEntity;
  /** How many credentials matched (first assertion only); getNextAssertion fetches the others. */
  readonly numberOfCredentials?: number;
}

function stringList(value: CtapValue[] | undefined, name: string): string[] {
  return (value ?? []).map((item) => {
    if (typeof item !== 'string') throw new CtapError('INVALID_CBOR', `${name} holds a non-text entry.`);
    return item;
  });
}

export function readInfo(map: CtapMap): AuthenticatorInfo {
  const options: Record<string, boolean> = {};
  for (const [key, value] of memberMap(map, GetInfoKey.options, 'options') ?? new Map()) {
    if (typeof key === 'string' && typeof value === 'boolean') options[key] = value;
  }
  const algorithms = (memberArray(map, GetInfoKey.algorithms, 'algorithms') ?? []).flatMap((entry) => {
    const alg = entry instanceof Map ? entry.get('alg') : undefined;
    return typeof alg === 'number' ? [alg] : [];
  });
  return {
    versions: stringList(requiredMember(memberArray, map, GetInfoKey.versions, 'versions'), 'versions'),
    extensions: stringList(memberArray(map, GetInfoKey.extensions, 'extensions'), 'extensions'),
    aaguid: requiredMember(memberBytes, map, GetInfoKey.aaguid, 'aaguid'),
    options,
    maxMsgSize: memberInteger(map, GetInfoKey.maxMsgSize, 'maxMsgSize'),
    pinUvAuthProtocols: (memberArray(map, GetInfoKey.pinUvAuthProtocols, 'pinUvAuthProtocols') ?? []).filter(
      (item): item is number => typeof item === 'number',
    ),
    maxCredentialCountInList: memberInteger(map, GetInfoKey.maxCredentialCountInList, 'maxCredentialCountInList'),
    maxCredentialIdLength: memberInteger(map, GetInfoKey.maxCredentialIdLength, 'maxCredentialIdLength'),
    transports: stringList(memberArray(map, GetInfoKey.transports, 'transports'), 'transports'),
    algorithms,
    minPinLength: memberInteger(map, GetInfoKey.minPINLength, 'minPINLength') ?? 4,
    firmwareVersion: memberInteger(map, GetInfoKey.firmwareVersion, 'firmwareVersion'),
    maxCredBlobLength: memberInteger(map, GetInfoKey.maxCredBlobLength, 'maxCredBlobLength'),
    remainingDiscoverableCredentials: memberInteger(map, GetInfoKey.remainingDiscoverableCredentials, 'remainingDiscoverableCredentials'),
  };
}

/** PublicKeyCredentialDescriptor as CTAP encodes it (CTAP 2.1 §6.1: {"id", "type"}). */
export function descriptorMap(descriptor: CredentialDescriptor): CtapMap {
  return ctapMap([
    ['id', descriptor.id],
    ['type', 'public-key'],
    ['transports', descriptor.transports === undefined ? undefined : [...descriptor.transports]],
  ]);
}

export function userMap(user: UserEntity): CtapMap {
  return ctapMap([
    ['id', user.id],
    ['name', user.name],
    ['displayName', user.displayName],
  ]);
}

export function readUser(value: CtapMap | undefined): UserEntity | undefined {
  if (value === undefined) return undefined;
  return {
    id: requiredMember(memberBytes, value, 'id', 'user.id'),
    name: memberText(value, 'name', 'user.name'),
    displayName: memberText(value, 'displayName', 'user.displayName'),
  };
}

export function readAttestation(map: CtapMap): AttestationResult {
  const fmt = requiredMember(memberText, map, MakeCredentialResponseKey.fmt, 'fmt');
  const authData = requiredMember(memberBytes, map, MakeCredentialResponseKey.authData, 'authData');
  const attStmt = requiredMember(memberMap, map, MakeCredentialResponseKey.attStmt, 'attStmt');
  const authenticatorData = decodeAuthenticatorData(authData);
  const attested = authenticatorData.attested;
  if (attested === undefined) throw new CtapError('INVALID_CBOR', 'The new credential lacks its attested credential data.');
  const attestationObject = encodeCtap(
    ctapMap([
      ['fmt', fmt],
      ['attStmt', attStmt],
      ['authData', authData],
    ]),
  );
  return { fmt, authData, attStmt, authenticatorData, credentialId: attested.credentialId, publicKey: attested.publicKey, attestationObject };
}

/** An assertion; `allowed` fills in the credential id a key may leave out when the allow list had one entry. */
export function readAssertion(map: CtapMap, allowed: readonly CredentialDescriptor[] | undefined): Assertion {
  const credential = memberMap(map, GetAssertionResponseKey.credential, 'credential');
  const credentialId =
    credential === undefined ? (allowed?.length === 1 ? allowed[0]?.id : undefined) : requiredMember(memberBytes, credential, 'id', 'credential.id');
  if (credentialId === undefined) throw new CtapError('INVALID_CBOR', 'The assertion does not say which credential made it.');
  const authData = requiredMember(memberBytes, map, GetAssertionResponseKey.authData, 'authData');
  return {
    credentialId,
    authData,
    authenticatorData: decodeAuthenticatorData(authData),
    signature: requiredMember(memberBytes, map, GetAssertionResponseKey.signature, 'signature'),
    user: readUser(memberMap(map, GetAssertionResponseKey.user, 'user')),
    numberOfCredentials: memberInteger(map, GetAssertionResponseKey.numberOfCredentials, 'numberOfCredentials'),
  };
}
