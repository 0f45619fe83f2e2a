/** Account fields shared by the account commands, enroll and provision: flags, lookup, and checks before writing. */
import type { AccountSummary, KeyClient } from '@hkey/bridge';
import { AccountFlag, type CommandName, HkeyError, MessageError, type RequestOf, decodeRequest, encodeRequest } from '@hkey/protocol';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

export const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [AccountFlag.READ_ONLY, 'read-only'],
  [AccountFlag.HIDDEN, 'hidden'],
  [AccountFlag.REQUIRES_TOUCH, 'touch'],
  [AccountFlag.PRIMARY, 'primary'],
];

export function flagsText(flags: number): string {
  return FLAG_NAMES.filter(([bit]) => flags & bit)
    .map(([, name]) => name)
    .join(',');
}

/**
 * Checks a request exactly as the key will (lengths, counts, ranges) by a round trip through the HKP codec, so
 * bad input is refused before anything is written. `field` names a parameter for the user.
 */
export function checkRequest<N extends CommandName>(command: N, params: RequestOf<N>, field: (name: string) => string): void {
  try {
    decodeRequest(encodeRequest(command, params));
  } catch (error) {
    if (!(error instanceof HkeyError)) throw error;
    const name = error instanceof MessageError && error.field !== undefined ? error.field : 'a field';
    const rule = error.message.replace(/^Parameter "[^"]*" /, '').replace(/\.$/, '');
    throw new CliError('USAGE_INVALID_FIELD', `${field(name)} ${rule}.`);
  }
}

/** How the account commands name a request field: by the option that sets it. */
export function optionForField(field: string): string {
  const top = field.replace(/[.[].*$/, '');
  if (top === 'otp') return `The OTP ${field.slice('otp.'.length) || 'credential'}`;
  const options: Record<string, string> = { name: '--name', login: '--login', urls: '--url', apps: '--app', password: 'The password' };
  return options[top] ?? field;
}

/** The account a user means by NAME|ID, or an error with the next step. */
export async function findAccountOrFail(client: KeyClient, nameOrId: string, timeoutMs: number): Promise<AccountSummary> {
  const account = await client.findAccount(nameOrId, { timeoutMs });
  if (account === undefined)
    throw new CliError('ACCOUNT_NOT_FOUND', `No account "${nameOrId}" on this key: see \`hkey accounts list --all\`.`, ExitCode.DEVICE_REFUSED);
  return account;
}
