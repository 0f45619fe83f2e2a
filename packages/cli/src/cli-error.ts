import { HkeyError } from '@hkey/protocol';
import { ExitCode } from './exit-codes.js';

/** An error the CLI reports as one sentence with the next step, and exits with `exitCode`. */
export class CliError extends HkeyError {
  constructor(
    code: string,
    message: string,
    readonly exitCode: number = ExitCode.USAGE,
  ) {
    super(code, message);
  }
}

const EXIT_BY_PREFIX: readonly [RegExp, number][] = [
  [/^(STATE_)/, ExitCode.STATE_FILE],
  [/^(PORT_|LISTEN_|REMOTE_BIND|REMOTE_NOT_ALLOWED|TARGET_UNREACHABLE|BRIDGE_UNAVAILABLE|CONTROL_|GATT_)/, ExitCode.NO_DEVICE],
  [/^(DISCONNECTED|TIMEOUT|NOT_FOUND|NO_DEVICE|HID_|BLE_|PERMISSION_DENIED|PROTOCOL_VIOLATION)/, ExitCode.NO_DEVICE],
  [/^PIN_/, ExitCode.PIN],
  [/^(USER_PRESENCE|CANCELLED)/, ExitCode.USER_PRESENCE],
  // commander.*: an argument parser that runs inside an action (e.g. `time set`) throws commander's own errors.
  [
    /^(BASE32_|OTPAUTH_|OTP_|BAD_|USAGE_|ATTESTATION_CA_|INVALID_ARGUMENT|QR_|BATCH_|BUNDLE_|INVENTORY_|RECEIPT_MALFORMED|UNKNOWN_CASE|commander\.)/,
    ExitCode.USAGE,
  ],
  [/^(VERIFICATION_|ROLLBACK_|IDENTITY_|RECEIPT_BAD_SIGNATURE)/, ExitCode.VERIFICATION_FAILED],
  [
    /^(ACCOUNT_|STORAGE_|NO_OTP|NO_PASSWORD|DEVICE_BUSY|BATTERY_|INVALID_PARAMETER|MISSING_PARAMETER|ISSUER_MISMATCH|LIFECYCLE_|SEALED_)/,
    ExitCode.DEVICE_REFUSED,
  ],
  [/^INTERRUPTED$/, ExitCode.INTERRUPTED],
];

/** Maps any error's stable code to the exit code family of exit-codes.ts. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  const code = errorCode(error);
  if (code === undefined) return ExitCode.FAILURE;
  return EXIT_BY_PREFIX.find(([pattern]) => pattern.test(code))?.[1] ?? ExitCode.FAILURE;
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Read by shape, not instanceof: importing @hkey/bridge here would load it for every command, `hkey --help` too.
const retriesLeft = (error: unknown): unknown => (error as { details?: { retries?: unknown } }).details?.retries;
/** The bridge's general sentence for NOT_FOUND, as against a more specific one (e.g. "No HKP key is plugged in at this path"). */
const NO_KEY_AT_ADDRESS = /^No key answers at this address;/;

/**
 * Where the CLI knows a better next step than the library's message (commands that exist in this CLI): the
 * libraries ship to browsers too, so their messages name no hkey command. A function answers undefined to keep
 * the library's message.
 */
const CLI_MESSAGES: Readonly<Record<string, string | ((error: unknown) => string | undefined)>> = {
  PIN_REQUIRED: 'The key is locked: unlock it with `hkey pin verify`, or give the PIN with --pin-stdin or HKEY_PIN.',
  PIN_INVALID: (error) =>
    retriesLeft(error) === 0 ? 'Wrong PIN, and no attempts are left: the key is now blocked and only `hkey wipe` can reset it.' : undefined,
  PIN_BLOCKED: 'PIN blocked: only `hkey wipe` can reset this key.',
  PIN_NOT_SET: 'This key has no PIN: set one first with `hkey pin set`.',
  PIN_ALREADY_SET: 'This key already has a PIN: change it with `hkey pin change`.',
  ACCOUNT_NOT_FOUND: 'No such account on the key: see `hkey accounts list --all`.',
  NOT_FOUND: (error) =>
    NO_KEY_AT_ADDRESS.test(errorText(error)) ? 'No key answers at this address; start the simulator (`hkey sim`) or check the address.' : undefined,
  BRIDGE_UNAVAILABLE:
    'Could not connect to the bridge at the --transport address: check that `hkey bridge` runs there, and pass the token it printed in HKEY_BRIDGE_TOKEN.',
  CTAP_KEY_STORE_FULL: 'The security key has no room for another discoverable credential; delete one first (`hkey fido credentials delete`).',
  CTAP_PIN_BLOCKED: 'The FIDO PIN is blocked: only a reset of the security key (`hkey fido reset`) clears it, erasing its credentials.',
  CTAP_PIN_NOT_SET: 'The security key has no FIDO PIN; set one first (`hkey fido pin set`).',
  CTAP_PUAT_REQUIRED: 'The security key needs its FIDO PIN for this; set one first (`hkey fido pin set`).',
};

/** The one sentence the CLI prints for an error. */
export function errorMessage(error: unknown): string {
  if (error instanceof CliError) return error.message;
  const code = errorCode(error);
  const cliMessage = code !== undefined && Object.hasOwn(CLI_MESSAGES, code) ? CLI_MESSAGES[code] : undefined;
  return (typeof cliMessage === 'function' ? cliMessage(error) : cliMessage) ?? errorText(error);
}

/** Ctrl-C at a prompt or during a long job. */
export const interrupted = (): CliError => new CliError('INTERRUPTED', 'Interrupted; nothing more was sent to the key.', ExitCode.INTERRUPTED);
