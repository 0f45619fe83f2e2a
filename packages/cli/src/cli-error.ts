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
  [/^(PORT_|LISTEN_|REMOTE_BIND|DISCONNECTED|TIMEOUT|NOT_FOUND|NO_DEVICE|HID_)/, ExitCode.NO_DEVICE],
  [/^PIN_/, ExitCode.PIN],
  [/^(USER_PRESENCE|CANCELLED)/, ExitCode.USER_PRESENCE],
  [/^(BASE32_|OTPAUTH_|OTP_|BAD_|USAGE_|INVALID_ARGUMENT)/, ExitCode.USAGE],
  [/^VERIFICATION_/, ExitCode.VERIFICATION_FAILED],
  [/^(ACCOUNT_|STORAGE_|NO_OTP|NO_PASSWORD|DEVICE_BUSY|BATTERY_|INVALID_PARAMETER|MISSING_PARAMETER)/, ExitCode.DEVICE_REFUSED],
];

/** Maps any error's stable code to the exit code family of exit-codes.ts. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return ExitCode.FAILURE;
  return EXIT_BY_PREFIX.find(([pattern]) => pattern.test(code))?.[1] ?? ExitCode.FAILURE;
}
