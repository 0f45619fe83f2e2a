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
  [/^(PORT_|LISTEN_|REMOTE_BIND|REMOTE_NOT_ALLOWED|TARGET_UNREACHABLE|BRIDGE_UNAVAILABLE|CONTROL_|GATT_|DISCONNECTED|TIMEOUT|NOT_FOUND|NO_DEVICE|HID_|BLE_|PERMISSION_DENIED|PROTOCOL_VIOLATION)/, ExitCode.NO_DEVICE],
  [/^PIN_/, ExitCode.PIN],
  [/^(USER_PRESENCE|CANCELLED)/, ExitCode.USER_PRESENCE],
  // commander.*: an argument parser that runs inside an action (e.g. `time set`) throws commander's own errors.
  [/^(BASE32_|OTPAUTH_|OTP_|BAD_|USAGE_|ATTESTATION_CA_|INVALID_ARGUMENT|QR_|BATCH_|UNKNOWN_CASE|commander\.)/, ExitCode.USAGE],
  [/^(VERIFICATION_|ROLLBACK_)/, ExitCode.VERIFICATION_FAILED],
  [/^(ACCOUNT_|STORAGE_|NO_OTP|NO_PASSWORD|DEVICE_BUSY|BATTERY_|INVALID_PARAMETER|MISSING_PARAMETER)/, ExitCode.DEVICE_REFUSED],
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

/** Where the CLI knows a better next step than the library's message (commands that exist in this CLI). */
const CLI_MESSAGES: Readonly<Record<string, string>> = {
  PIN_REQUIRED: 'The key is locked: unlock it with `hkey pin verify`, or give the PIN with --pin-stdin or HKEY_PIN.',
  PIN_NOT_SET: 'This key has no PIN: set one first with `hkey pin set`.',
  PIN_ALREADY_SET: 'This key already has a PIN: change it with `hkey pin change`.',
  ACCOUNT_NOT_FOUND: 'No such account on the key: see `hkey accounts list --all`.',
};

/** The one sentence the CLI prints for an error. */
export function errorMessage(error: unknown): string {
  if (error instanceof CliError) return error.message;
  const code = errorCode(error);
  if (code !== undefined && CLI_MESSAGES[code] !== undefined) return CLI_MESSAGES[code];
  return error instanceof Error ? error.message : String(error);
}

/** Ctrl-C at a prompt or during a long job. */
export const interrupted = (): CliError => new CliError('INTERRUPTED', 'Interrupted; nothing more was sent to the key.', ExitCode.INTERRUPTED);
