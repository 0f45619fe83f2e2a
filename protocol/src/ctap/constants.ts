/**
 * CTAP 2.1 constants (docs/protocol.md §9): authenticator commands, status codes and the map keys of the
 * commands the virtual key implements. Values are those of the CTAP 2.1 specification; section numbers cite it.
 */

/** The first byte of a CTAPHID CBOR request: the authenticator command (CTAP 2.1 §6). */
export const CtapCommand = {
  MakeCredential: 0x01,
  GetAssertion: 0x02,
  GetInfo: 0x04,
  ClientPIN: 0x06,
  Reset: 0x07,
  GetNextAssertion: 0x08,
  CredentialManagement: 0x0a,
  Selection: 0x0b,
} as const;
export type CtapCommandName = keyof typeof CtapCommand;

/** The first byte of every CTAP2 response (CTAP 2.1 §8.2.1, "Error Responses"). */
export const CtapStatus = {
  OK: 0x00,
  INVALID_COMMAND: 0x01,
  INVALID_PARAMETER: 0x02,
  INVALID_LENGTH: 0x03,
  CHANNEL_BUSY: 0x06,
  CBOR_UNEXPECTED_TYPE: 0x11,
  INVALID_CBOR: 0x12,
  MISSING_PARAMETER: 0x14,
  LIMIT_EXCEEDED: 0x15,
  CREDENTIAL_EXCLUDED: 0x19,
  PROCESSING: 0x21,
  INVALID_CREDENTIAL: 0x22,
  UNSUPPORTED_ALGORITHM: 0x26,
  OPERATION_DENIED: 0x27,
  KEY_STORE_FULL: 0x28,
  UNSUPPORTED_OPTION: 0x2b,
  INVALID_OPTION: 0x2c,
  KEEPALIVE_CANCEL: 0x2d,
  NO_CREDENTIALS: 0x2e,
  USER_ACTION_TIMEOUT: 0x2f,
  NOT_ALLOWED: 0x30,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_AUTH_INVALID: 0x33,
  PIN_AUTH_BLOCKED: 0x34,
  PIN_NOT_SET: 0x35,
  PUAT_REQUIRED: 0x36,
  PIN_POLICY_VIOLATION: 0x37,
  REQUEST_TOO_LARGE: 0x39,
  ACTION_TIMEOUT: 0x3a,
  UP_REQUIRED: 0x3b,
  INVALID_SUBCOMMAND: 0x3e,
  UNAUTHORIZED_PERMISSION: 0x40,
  OTHER: 0x7f,
} as const;
export type CtapStatusName = keyof typeof CtapStatus;

const STATUS_NAMES = new Map<number, CtapStatusName>(Object.entries(CtapStatus).map(([name, code]) => [code, name as CtapStatusName]));

/** The name of a CTAP status byte, or undefined for a code the table does not list. */
export function ctapStatusName(code: number): CtapStatusName | undefined {
  return STATUS_NAMES.get(code);
}

/** authenticatorMakeCredential parameters (CTAP 2.1 §6.1). */
export const MakeCredentialKey = {
  clientDataHash: 0x01,
  rp: 0x02,
  user: 0x03,
  pubKeyCredParams: 0x04,
  excludeList: 0x05,
  extensions: 0x06,
  options: 0x07,
  pinUvAuthParam: 0x08,
  pinUvAuthProtocol: 0x09,
  enterpriseAttestation: 0x0a,
} as const;

/** authenticatorMakeCredential response members (CTAP 2.1 §6.1.2). */
export const MakeCredentialResponseKey = { fmt: 0x01, authData: 0x02, attStmt: 0x03 } as const;

/** authenticatorGetAssertion parameters (CTAP 2.1 §6.2). */
export const GetAssertionKey = {
  rpId: 0x01,
  clientDataHash: 0x02,
  allowList: 0x03,
  extensions: 0x04,
  options: 0x05,
  pinUvAuthParam: 0x06,
  pinUvAuthProtocol: 0x07,
} as const;

/** authenticatorGetAssertion response members (CTAP 2.1 §6.2.2). */
export const GetAssertionResponseKey = {
  credential: 0x01,
  authData: 0x02,
  signature: 0x03,
  user: 0x04,
  numberOfCredentials: 0x05,
  userSelected: 0x06,
} as const;

/** authenticatorGetInfo response members (CTAP 2.1 §6.4). */
export const GetInfoKey = {
  versions: 0x01,
  extensions: 0x02,
  aaguid: 0x03,
  options: 0x04,
  maxMsgSize: 0x05,
  pinUvAuthProtocols: 0x06,
  maxCredentialCountInList: 0x07,
  maxCredentialIdLength: 0x08,
  transports: 0x09,
  algorithms: 0x0a,
  minPINLength: 0x0d,
  firmwareVersion: 0x0e,
  maxCredBlobLength: 0x0f,
  remainingDiscoverableCredentials: 0x14,
} as const;

/** authenticatorClientPIN parameters (CTAP 2.1 §6.5.5). */
export const ClientPinKey = {
  pinUvAuthProtocol: 0x01,
  subCommand: 0x02,
  keyAgreement: 0x03,
  pinUvAuthParam: 0x04,
  newPinEnc: 0x05,
  pinHashEnc: 0x06,
  permissions: 0x09,
  rpId: 0x0a,
} as const;

/** authenticatorClientPIN response members (CTAP 2.1 §6.5.5). */
export const ClientPinResponseKey = { keyAgreement: 0x01, pinUvAuthToken: 0x02, pinRetries: 0x03, powerCycleState: 0x04 } as const;

/** authenticatorClientPIN subcommands (CTAP 2.1 §6.5.5). */
export const ClientPinSubCommand = {
  getPINRetries: 0x01,
  getKeyAgreement: 0x02,
  setPIN: 0x03,
  changePIN: 0x04,
  getPinToken: 0x05,
  getPinUvAuthTokenUsingPinWithPermissions: 0x09,
} as const;

/** pinUvAuthToken permissions (CTAP 2.1 §6.5.5.7). */
export const PinPermission = {
  makeCredential: 0x01,
  getAssertion: 0x02,
  credentialManagement: 0x04,
  bioEnrollment: 0x08,
  largeBlobWrite: 0x10,
  authenticatorConfig: 0x20,
} as const;

/** authenticatorCredentialManagement parameters and subcommands (CTAP 2.1 §6.8). */
export const CredentialManagementKey = { subCommand: 0x01, subCommandParams: 0x02, pinUvAuthProtocol: 0x03, pinUvAuthParam: 0x04 } as const;
export const CredentialManagementParamKey = { rpIdHash: 0x01, credentialId: 0x02, user: 0x03 } as const;
export const CredentialManagementSubCommand = {
  getCredsMetadata: 0x01,
  enumerateRPsBegin: 0x02,
  enumerateRPsGetNextRP: 0x03,
  enumerateCredentialsBegin: 0x04,
  enumerateCredentialsGetNextCredential: 0x05,
  deleteCredential: 0x06,
  updateUserInformation: 0x07,
} as const;
export const CredentialManagementResponseKey = {
  existingResidentCredentialsCount: 0x01,
  maxPossibleRemainingResidentCredentialsCount: 0x02,
  rp: 0x03,
  rpIdHash: 0x04,
  totalRPs: 0x05,
  user: 0x06,
  credentialId: 0x07,
  publicKey: 0x08,
  totalCredentials: 0x09,
  credProtect: 0x0a,
} as const;

/** COSE algorithm identifiers the key offers (IANA COSE Algorithms). */
export const CoseAlgorithm = { ES256: -7, EdDSA: -8, ECDH_ES_HKDF_256: -25 } as const;

/** authenticatorData flags (WebAuthn Level 2 §6.1). */
export const AuthenticatorDataFlag = { UP: 0x01, UV: 0x04, AT: 0x40, ED: 0x80 } as const;

/** credProtect levels (CTAP 2.1 §12.1). */
export const CredProtect = { userVerificationOptional: 1, userVerificationOptionalWithCredentialIdList: 2, userVerificationRequired: 3 } as const;
