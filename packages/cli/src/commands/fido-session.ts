/**
 * What every `hkey fido` command shares: the key's FIDO side opened over the usual --transport/--device choice,
 * CTAP refusals turned into the exit codes of exit-codes.ts, and the FIDO PIN from --pin-stdin, HKEY_FIDO_PIN or a
 * hidden prompt. The FIDO PIN is not the HKP PIN (docs/protocol.md §9), hence its own variable. PINs are never
 * printed and never quoted in an error.
 */
import { FidoClient } from '@hkey/bridge';
import { CliError, errorCode } from '../cli-error.js';
import { withKey } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import type { RunContext } from '../context.js';
import { readStdinLines } from '../stdin.js';
import { canPrompt, promptHidden } from '../terminal.js';

export interface FidoKey {
  readonly serial: string;
  readonly fido: FidoClient;
}

/** CTAP statuses by what they mean to the person: a PIN problem, a touch that did not come, a bad new PIN. */
const PIN_STATUSES = new Set([
  'CTAP_PIN_INVALID',
  'CTAP_PIN_BLOCKED',
  'CTAP_PIN_AUTH_INVALID',
  'CTAP_PIN_AUTH_BLOCKED',
  'CTAP_PIN_NOT_SET',
  'CTAP_PUAT_REQUIRED',
]);
const PRESENCE_STATUSES = new Set(['CTAP_OPERATION_DENIED', 'CTAP_USER_ACTION_TIMEOUT', 'CTAP_KEEPALIVE_CANCEL', 'CTAP_ACTION_TIMEOUT', 'CTAP_UP_REQUIRED']);

/** The exit code of a FIDO failure; undefined for the errors the CLI already maps (transport, usage). */
export function fidoExitCode(code: string | undefined): number | undefined {
  if (code === undefined) return undefined;
  if (PIN_STATUSES.has(code)) return ExitCode.PIN;
  if (PRESENCE_STATUSES.has(code)) return ExitCode.USER_PRESENCE;
  if (code === 'CTAP_PIN_POLICY_VIOLATION') return ExitCode.USAGE;
  // Every other CTAP status, U2F status word and FIDO capability problem is the key refusing the request.
  if (/^(CTAP_|U2F_|FIDO_)/.test(code)) return ExitCode.DEVICE_REFUSED;
  return undefined;
}

/** Runs `work` on the chosen key's FIDO side and always closes the key. */
export async function withFido<T>(context: RunContext, work: (key: FidoKey) => Promise<T>): Promise<T> {
  try {
    return await withKey(context, (key) => work({ serial: key.info.serial, fido: new FidoClient(key.client.transport) }));
  } catch (error) {
    const exitCode = fidoExitCode(errorCode(error));
    if (exitCode === undefined) throw error;
    throw new CliError(errorCode(error) as string, (error as Error).message, exitCode);
  }
}

/** FIDO PINs: one a line on stdin (current first, then new), else the environment, else a hidden prompt. */
export class FidoPinReader {
  private stdinLine = 0;

  constructor(private readonly fromStdin: boolean) {}

  /** The key's current FIDO PIN (HKEY_FIDO_PIN). */
  current(prompt: string): Promise<string> {
    return this.read(prompt, process.env.HKEY_FIDO_PIN);
  }

  /** A new FIDO PIN (`environment`: HKEY_FIDO_PIN to set the first, HKEY_FIDO_NEW_PIN to change); a prompt asks twice. */
  async fresh(prompt: string, environment: string | undefined): Promise<string> {
    if (this.fromStdin || environment || !canPrompt()) return this.read(prompt, environment);
    const pin = await promptHidden(prompt);
    if ((await promptHidden('Repeat the new FIDO PIN: ')) !== pin)
      throw new CliError('PIN_MISMATCH', 'The two PINs differ; run the command again.', ExitCode.USAGE);
    return pin;
  }

  private async read(prompt: string, environment: string | undefined): Promise<string> {
    if (this.fromStdin) {
      const line = (await readStdinLines('the FIDO PIN'))[this.stdinLine++];
      if (line === undefined) throw new CliError('USAGE_PIN_STDIN', 'Standard input has fewer PINs than needed: give one PIN a line.');
      return line.trim();
    }
    if (environment) return environment;
    if (canPrompt()) return promptHidden(prompt);
    throw new CliError('PIN_REQUIRED', 'The security key needs its FIDO PIN: give it with --pin-stdin or HKEY_FIDO_PIN, or run interactively.', ExitCode.PIN);
  }
}
