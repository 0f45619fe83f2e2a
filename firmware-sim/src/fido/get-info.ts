/** authenticatorGetInfo (CTAP 2.1 §6.4): what the virtual security key offers. */
import { CoseAlgorithm, type CtapMap, type CtapValue, GetInfoKey, ctapMap, PIN_PROTOCOLS } from '@hkey/protocol';
import { CREDENTIAL_ID_LENGTH } from './credential-id.js';
import { MAX_CRED_BLOB_LENGTH, SUPPORTED_EXTENSIONS } from './extensions.js';
import { FIDO_MIN_PIN_LENGTH, MAX_CREDENTIAL_RECORD_BYTES } from './fido-state.js';
import type { FidoRuntime } from './runtime.js';

/** The largest CTAP message the key takes (well inside CTAPHID's 7609 bytes). */
export const MAX_MSG_SIZE = 1200;
export const MAX_CREDENTIALS_IN_LIST = 8;
export const FIRMWARE_VERSION = 0x01_00_00;

function algorithm(alg: number): CtapMap {
  return new Map<string, CtapValue>([
    ['alg', alg],
    ['type', 'public-key'],
  ]);
}

export function getInfo(runtime: FidoRuntime, transports: readonly string[]): CtapMap {
  const state = runtime.state();
  return ctapMap([
    [GetInfoKey.versions, ['U2F_V2', 'FIDO_2_0', 'FIDO_2_1']],
    [GetInfoKey.extensions, [...SUPPORTED_EXTENSIONS]],
    [GetInfoKey.aaguid, runtime.attestation.aaguid],
    [
      GetInfoKey.options,
      ctapMap([
        ['rk', true],
        ['up', true],
        ['plat', false],
        ['clientPin', state.pin !== undefined],
        ['credMgmt', true],
        ['pinUvAuthToken', true],
        ['makeCredUvNotRqd', true],
      ]),
    ],
    [GetInfoKey.maxMsgSize, MAX_MSG_SIZE],
    [GetInfoKey.pinUvAuthProtocols, [...PIN_PROTOCOLS]],
    [GetInfoKey.maxCredentialCountInList, MAX_CREDENTIALS_IN_LIST],
    [GetInfoKey.maxCredentialIdLength, CREDENTIAL_ID_LENGTH],
    [GetInfoKey.transports, [...transports]],
    [GetInfoKey.algorithms, [algorithm(CoseAlgorithm.ES256), algorithm(CoseAlgorithm.EdDSA)]],
    [GetInfoKey.minPINLength, FIDO_MIN_PIN_LENGTH],
    [GetInfoKey.firmwareVersion, FIRMWARE_VERSION],
    [GetInfoKey.maxCredBlobLength, MAX_CRED_BLOB_LENGTH],
    [GetInfoKey.remainingDiscoverableCredentials, Math.floor(Math.max(0, runtime.storageFree()) / MAX_CREDENTIAL_RECORD_BYTES)],
  ]);
}
