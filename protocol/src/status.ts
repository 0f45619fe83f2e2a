/**
 * HKP/1 status bytes (docs/protocol.md §3.5). The first byte of every response.
 * One table drives the device, the client error mapping and the spec's table.
 */
export const Status = {
  OK: 0x00,
  INVALID_COMMAND: 0x01,
  INVALID_LENGTH: 0x03,

  CBOR_MALFORMED: 0x10,
  CBOR_TRAILING_BYTES: 0x11,
  CBOR_NOT_CANONICAL: 0x12,
  CBOR_INDEFINITE_LENGTH: 0x13,
  CBOR_DUPLICATE_KEY: 0x14,
  CBOR_UNSORTED_KEYS: 0x15,
  CBOR_TAG_NOT_ALLOWED: 0x16,
  CBOR_FLOAT_NOT_ALLOWED: 0x17,
  CBOR_SIMPLE_NOT_ALLOWED: 0x18,
  CBOR_TOO_DEEP: 0x19,
  CBOR_LIMIT_EXCEEDED: 0x1a,
  CBOR_INVALID_UTF8: 0x1b,
  CBOR_INVALID_KEY: 0x1c,
  CBOR_NOT_A_MAP: 0x1d,

  MISSING_PARAMETER: 0x20,
  INVALID_PARAMETER: 0x21,
  UNKNOWN_PARAMETER: 0x22,

  PIN_REQUIRED: 0x30,
  PIN_INVALID: 0x31,
  PIN_BLOCKED: 0x32,
  PIN_POLICY_VIOLATION: 0x33,
  PIN_NOT_SET: 0x34,
  PIN_ALREADY_SET: 0x35,
  PIN_EXPIRED: 0x36,

  USER_PRESENCE_DENIED: 0x40,
  USER_PRESENCE_TIMEOUT: 0x41,
  USER_PRESENCE_HOLD_TOO_SHORT: 0x42,
  CANCELLED: 0x43,

  ACCOUNT_NOT_FOUND: 0x50,
  ACCOUNT_READ_ONLY: 0x51,
  ACCOUNT_NAME_TAKEN: 0x52,
  NO_OTP: 0x53,
  NO_PASSWORD: 0x54,
  STORAGE_FULL: 0x55,
  OTP_COUNTER_EXHAUSTED: 0x56,

  DEVICE_BUSY: 0x60,
  BATTERY_EMPTY: 0x61,
  STORAGE_FAILURE: 0x62,

  SEALED_MALFORMED: 0x70,
  SEALED_WRONG_KEY: 0x71,
  SEALED_WRONG_ISSUER: 0x72,
  SEALED_BAD_SIGNATURE: 0x73,
  SEALED_EXPIRED: 0x74,
  SEALED_REPLAY: 0x75,
  SEALED_OUT_OF_ORDER: 0x76,
  SEALED_BAD_CIPHERTEXT: 0x77,
  ISSUER_MISMATCH: 0x78,
  LIFECYCLE_FORBIDS: 0x79,
  OTHER: 0x7f,
} as const;

export type StatusName = keyof typeof Status;
export type StatusCode = (typeof Status)[StatusName];

/** One sentence per status, for error messages and the spec table. */
export const STATUS_DESCRIPTIONS: Readonly<Record<StatusName, string>> = {
  OK: 'The command succeeded.',
  INVALID_COMMAND: 'The command byte is not defined in HKP/1.',
  INVALID_LENGTH: 'The message is empty or longer than the transport allows.',
  CBOR_MALFORMED: 'The parameters are not well-formed CBOR (truncated item or reserved additional information).',
  CBOR_TRAILING_BYTES: 'Bytes follow the parameter map.',
  CBOR_NOT_CANONICAL: 'An integer, length or map key is not in its shortest form.',
  CBOR_INDEFINITE_LENGTH: 'An indefinite-length item was used.',
  CBOR_DUPLICATE_KEY: 'A map contains the same key twice.',
  CBOR_UNSORTED_KEYS: 'Map keys are not in ascending canonical order.',
  CBOR_TAG_NOT_ALLOWED: 'A CBOR tag was used.',
  CBOR_FLOAT_NOT_ALLOWED: 'A floating-point number was used.',
  CBOR_SIMPLE_NOT_ALLOWED: 'A simple value other than false or true was used.',
  CBOR_TOO_DEEP: 'Items are nested deeper than 4 levels.',
  CBOR_LIMIT_EXCEEDED: 'A string, array or map is larger than HKP/1 allows.',
  CBOR_INVALID_UTF8: 'A text string is not valid UTF-8.',
  CBOR_INVALID_KEY: 'A map key is not an unsigned integer from 0 to 255.',
  CBOR_NOT_A_MAP: 'The parameters are not a CBOR map.',
  MISSING_PARAMETER: 'A required parameter is missing.',
  INVALID_PARAMETER: 'A parameter has the wrong type or is out of range.',
  UNKNOWN_PARAMETER: 'A parameter key is not defined for this command.',
  PIN_REQUIRED: 'A PIN is set and this session has not verified it.',
  PIN_INVALID: 'The PIN is wrong; the response carries the retries left.',
  PIN_BLOCKED: 'The PIN retry counter is zero: only Wipe is accepted.',
  PIN_POLICY_VIOLATION: 'The new PIN does not meet the PIN policy (4 to 8 digits).',
  PIN_NOT_SET: 'No PIN is set on this key.',
  PIN_ALREADY_SET: 'A PIN is already set; use ChangePin.',
  PIN_EXPIRED: "The PIN is older than the issuer's PIN policy allows: change it with ChangePin.",
  USER_PRESENCE_DENIED: 'The user denied the request on the key.',
  USER_PRESENCE_TIMEOUT: 'Nobody pressed the button in time.',
  USER_PRESENCE_HOLD_TOO_SHORT: 'The button was released before the required hold time.',
  CANCELLED: 'The host cancelled the request.',
  ACCOUNT_NOT_FOUND: 'No account has this id.',
  ACCOUNT_READ_ONLY: 'The account is read-only.',
  ACCOUNT_NAME_TAKEN: 'Another account already has this name.',
  NO_OTP: 'The account has no OTP credential.',
  NO_PASSWORD: 'The account has no password.',
  STORAGE_FULL: 'The key does not have enough free storage for this change.',
  OTP_COUNTER_EXHAUSTED: 'The HOTP counter reached 2^64-1: the account can issue no more codes.',
  DEVICE_BUSY: 'The key is serving a command of another session.',
  BATTERY_EMPTY: 'The battery is empty.',
  STORAGE_FAILURE: 'The key could not write its storage; the change was not made (a PIN attempt already charged stays charged, §6.1).',
  SEALED_MALFORMED: 'The sealed item or its decrypted operation does not follow the sealed format (§10).',
  SEALED_WRONG_KEY: 'The sealed item was sealed for another key (serial or key-agreement key).',
  SEALED_WRONG_ISSUER: 'No issuer is enrolled, or the sealed item comes from another issuer.',
  SEALED_BAD_SIGNATURE: "The issuer's signature over the sealed item does not verify.",
  SEALED_EXPIRED: 'The sealed item expired (its notAfter is before the device clock).',
  SEALED_REPLAY: 'The sealed item was already applied (its sequence is not above the last applied one).',
  SEALED_OUT_OF_ORDER: 'The sealed item skips a sequence number: the items before it must be applied first.',
  SEALED_BAD_CIPHERTEXT: 'The sealed item does not decrypt with this key: it was altered.',
  ISSUER_MISMATCH: "Another issuer is enrolled: a handover needs that issuer's signature, or a Wipe.",
  LIFECYCLE_FORBIDS: "The key's lifecycle state does not allow this command (§10.6).",
  OTHER: 'An unexpected device error occurred.',
};

const NAMES_BY_CODE = new Map<number, StatusName>((Object.keys(Status) as StatusName[]).map((name) => [Status[name], name]));

/** The name of a status byte, or undefined for a byte HKP/1 does not define. */
export function statusName(code: number): StatusName | undefined {
  return NAMES_BY_CODE.get(code);
}
