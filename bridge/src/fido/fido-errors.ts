/**
 * Errors of the FIDO client. A CTAP status other than OK becomes a CtapError (code CTAP_<STATUS>, `status` the byte),
 * worded for the person at the host, not the authenticator's developer; a U2F status word other than NO_ERROR
 * becomes a U2fError (code U2F_<NAME>). Messages never contain PINs or other parameter values.
 */
import { CtapError, type CtapStatusName, U2fStatusWord, ctapStatusName } from '@hkey/protocol';
import { BridgeError } from '../errors.js';

const CALLER_BUG = 'please report this bug in the calling code or the bridge.';

/** Keyed by every CTAP status but OK, so a new status in the protocol table fails to compile until it has a message. */
const CTAP_MESSAGES: Readonly<Record<Exclude<CtapStatusName, 'OK'>, string>> = {
  INVALID_COMMAND: 'The security key does not implement this CTAP command; update its firmware.',
  INVALID_PARAMETER: 'The security key rejected a parameter as malformed or out of range; check the values and try again.',
  INVALID_LENGTH: `The security key rejected the request length; ${CALLER_BUG}`,
  CHANNEL_BUSY: 'The security key is busy with another request; try again in a moment.',
  CBOR_UNEXPECTED_TYPE: `The security key found a member of the wrong CBOR type; ${CALLER_BUG}`,
  INVALID_CBOR: `The security key could not parse the request's CBOR; ${CALLER_BUG}`,
  MISSING_PARAMETER: `The security key is missing a required parameter; ${CALLER_BUG}`,
  LIMIT_EXCEEDED: 'A value is larger than the security key accepts; shorten it and try again.',
  CREDENTIAL_EXCLUDED: 'This security key is already registered with this account (the exclude list names one of its credentials).',
  PROCESSING: 'The security key is still processing; try again in a moment.',
  INVALID_CREDENTIAL: 'The security key does not recognise the credential.',
  UNSUPPORTED_ALGORITHM: 'The security key supports none of the requested signature algorithms.',
  OPERATION_DENIED: 'The request was declined on the security key.',
  KEY_STORE_FULL: 'The security key has no room for another discoverable credential; delete one first.',
  UNSUPPORTED_OPTION: 'The security key does not support a requested option.',
  INVALID_OPTION: 'The security key rejected an option value.',
  KEEPALIVE_CANCEL: 'The request was cancelled.',
  NO_CREDENTIALS: 'The security key holds no matching credential.',
  USER_ACTION_TIMEOUT: 'Nobody touched the security key in time; try again and press its button when it blinks.',
  NOT_ALLOWED: 'The security key does not allow this now (a reset works only within 10 seconds of plugging the key in).',
  PIN_INVALID: 'Wrong PIN; check it and try again.',
  PIN_BLOCKED: 'The FIDO PIN is blocked: only a reset of the security key clears it, erasing its credentials.',
  PIN_AUTH_INVALID: 'The security key rejected the PIN token; get a new one and try again.',
  PIN_AUTH_BLOCKED: 'Three wrong PINs in a row: unplug the key and plug it in again before the next try.',
  PIN_NOT_SET: 'The security key has no FIDO PIN; set one first.',
  PUAT_REQUIRED: 'The security key needs its FIDO PIN for this; set one first.',
  PIN_POLICY_VIOLATION: "The PIN does not meet the security key's policy (length); choose another.",
  REQUEST_TOO_LARGE: 'The request is larger than the security key accepts; send fewer or shorter values.',
  ACTION_TIMEOUT: 'The security key gave up waiting; try again.',
  UP_REQUIRED: 'The security key needs a touch for this request.',
  INVALID_SUBCOMMAND: 'The security key does not implement this subcommand; update its firmware.',
  UNAUTHORIZED_PERMISSION: 'The security key does not grant the requested PIN token permissions.',
  OTHER: 'The security key reported an unexpected error; try again or unplug it and plug it in again.',
};

/** The CtapError for a status byte the key answered; a byte outside the CTAP table is reported as OTHER. */
export function ctapStatusError(status: number): CtapError {
  const name = ctapStatusName(status);
  if (name === undefined || name === 'OK') {
    return new CtapError(
      'OTHER',
      `The security key answered the unknown CTAP status 0x${status.toString(16).padStart(2, '0')}; try again or update the bridge.`,
    );
  }
  return new CtapError(name, CTAP_MESSAGES[name]);
}

/** A wrong PIN with the tries left, as getRetries reports them after it. */
export function wrongPinError(retries: number): CtapError {
  return new CtapError('PIN_INVALID', `Wrong PIN: ${retries} ${retries === 1 ? 'attempt' : 'attempts'} left before the FIDO PIN blocks.`);
}

export type U2fStatusName = keyof typeof U2fStatusWord;

const U2F_NAMES = new Map<number, U2fStatusName>(Object.entries(U2fStatusWord).map(([name, word]) => [word, name as U2fStatusName]));

const U2F_MESSAGES: Readonly<Record<Exclude<U2fStatusName, 'NO_ERROR'> | 'OTHER', string>> = {
  CONDITIONS_NOT_SATISFIED: 'The security key needs a touch; press its button and try again.',
  WRONG_DATA: 'The security key does not recognise this key handle for this application.',
  WRONG_LENGTH: `The security key rejected the U2F request length; ${CALLER_BUG}`,
  CLA_NOT_SUPPORTED: `The security key rejected the U2F class byte; ${CALLER_BUG}`,
  INS_NOT_SUPPORTED: 'The security key does not implement this U2F instruction.',
  NO_PRECISE_DIAGNOSIS: 'The security key failed inside while answering; try again.',
  OTHER: 'The security key answered an unexpected U2F status word; try again.',
};

/** The key answered a U2F request with a status word other than NO_ERROR; `statusWord` is the raw word. */
export class U2fError extends BridgeError {
  readonly statusWord: number;

  constructor(statusWord: number) {
    const name = U2F_NAMES.get(statusWord);
    const known = name === undefined || name === 'NO_ERROR' ? 'OTHER' : name;
    super(`U2F_${known}`, U2F_MESSAGES[known]);
    this.statusWord = statusWord;
  }
}

/** The transport reaches no security key: no CTAPHID CBOR, no FIDO GATT service, or a key without FIDO. */
export function fidoUnsupported(): BridgeError {
  return new BridgeError(
    'FIDO_UNSUPPORTED',
    'This connection does not carry CTAP: the key announces no FIDO2 support, or offers no FIDO service over Bluetooth.',
  );
}
