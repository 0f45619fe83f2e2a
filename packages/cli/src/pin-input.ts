/**
 * Where PINs come from: `--pin-stdin` (one a line: the current PIN first, then a new one), the HKEY_PIN
 * environment variable (the current PIN, or the first PIN for `hkey pin set`), or a hidden prompt on a terminal.
 * PINs are never printed, logged or put into errors.
 */
import { PIN_POLICY } from '@hkey/protocol';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { readStdinLines } from './stdin.js';
import { canPrompt, promptHidden } from './terminal.js';

/** docs/protocol.md §6.1: a new PIN is 4 to 8 ASCII digits; checked here so a bad one never costs a button press. */
function checkNewPin(pin: string): string {
  if (!PIN_POLICY.test(pin)) throw new CliError('PIN_POLICY_VIOLATION', 'A new PIN must be 4 to 8 digits; choose another.', ExitCode.USAGE);
  return pin;
}

export class PinReader {
  private stdinLine = 0;
  private remembered: Promise<string> | undefined;

  constructor(private readonly fromStdin: boolean) {}

  /** Whether a PIN can be had at all: from stdin, HKEY_PIN, an earlier answer, or a person at the terminal. */
  get available(): boolean {
    return this.fromStdin || this.remembered !== undefined || Boolean(process.env.HKEY_PIN) || canPrompt();
  }

  /**
   * The current PIN of a key. It is remembered for this command only, so a batch over several keys that share a
   * PIN asks once, even when the keys ask at the same time.
   */
  current(prompt: string): Promise<string> {
    this.remembered ??= this.read(prompt, process.env.HKEY_PIN);
    return this.remembered;
  }

  /** A key said the remembered PIN is wrong: never try it on another key, where it would cost an attempt too. */
  rejected(): void {
    this.remembered = Promise.reject(
      new CliError('PIN_INVALID', 'The PIN was wrong on another key, so it was not tried on this one: check the PIN and run again.', ExitCode.PIN),
    );
    // Callers that never ask again must not see an unhandled rejection.
    this.remembered.catch(() => undefined);
  }

  /** A new PIN, checked against the policy; a prompt asks twice so that a typo cannot lock the user out. */
  async fresh(prompt: string, environment: string | undefined): Promise<string> {
    if (this.fromStdin || environment || !canPrompt()) return checkNewPin(await this.read(prompt, environment));
    const pin = checkNewPin(await promptHidden(prompt));
    if ((await promptHidden('Repeat the new PIN: ')) !== pin) throw new CliError('PIN_MISMATCH', 'The two PINs differ; run the command again.', ExitCode.USAGE);
    return pin;
  }

  private async read(prompt: string, environment: string | undefined): Promise<string> {
    if (this.fromStdin) {
      const line = (await readStdinLines('the PIN'))[this.stdinLine++];
      if (line === undefined) throw new CliError('USAGE_PIN_STDIN', 'Standard input has fewer PINs than needed: give one PIN a line.');
      return line.trim();
    }
    if (environment) return environment;
    if (canPrompt()) return promptHidden(prompt);
    throw new CliError('PIN_REQUIRED', 'The key needs its PIN: give it with --pin-stdin or HKEY_PIN, or run interactively.', ExitCode.PIN);
  }
}
