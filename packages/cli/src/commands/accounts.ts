/** `hkey accounts list|add`: the accounts on a key; secrets go in through stdin only. */
import type { AccountSummary } from '@hkey/bridge';
import { AccountFlag, type RequestOf } from '@hkey/protocol';
import { CliError } from '../cli-error.js';
import { withClient } from '../connect.js';
import { table } from '../output.js';
import type { RunContext } from '../program.js';
import { parseBase32Secret, readStdin } from '../secret-input.js';

export interface AddOptions {
  name: string;
  login?: string;
  url?: string[];
  totp?: boolean;
  hotp?: boolean;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  digits?: number;
  period?: number;
  counter?: string;
  secretStdin?: boolean;
  readOnly?: boolean;
  hidden?: boolean;
  touch?: boolean;
}

function flagsText(flags: number): string {
  const names: [number, string][] = [
    [AccountFlag.READ_ONLY, 'read-only'],
    [AccountFlag.HIDDEN, 'hidden'],
    [AccountFlag.REQUIRES_TOUCH, 'touch'],
    [AccountFlag.PRIMARY, 'primary'],
  ];
  return names.filter(([bit]) => flags & bit).map(([, name]) => name).join(',');
}

function otpText(account: AccountSummary): string {
  const otp = account.otp;
  if (otp === undefined) return '';
  const detail = otp.kind === 'TOTP' ? `${otp.period ?? 30}s` : `counter ${String(otp.counter ?? 0)}`;
  return `${otp.kind} ${otp.algorithm ?? 'SHA1'} ${otp.digits ?? 6} digits ${detail}`;
}

/** `hkey accounts list` */
export async function accountsList({ output, globals }: RunContext, options: { all?: boolean }): Promise<void> {
  const accounts = await withClient(globals, (client) => client.listAccounts({ includeHidden: options.all === true, timeoutMs: globals.timeout }));
  output.result(accounts, () =>
    accounts.length === 0
      ? 'No accounts.'
      : table(
          ['id', 'name', 'login', 'otp', 'password', 'flags'],
          accounts.map((a) => [String(a.id), a.name, a.login ?? '', otpText(a), a.hasPassword ? 'yes' : '', flagsText(a.flags)]),
        ),
  );
}

function otpParameters(options: AddOptions, secret: Uint8Array): NonNullable<RequestOf<'AccountCreate'>['otp']> {
  if (options.totp && options.hotp) throw new CliError('USAGE_OTP_KIND', 'Choose one of --totp and --hotp.');
  const kind = options.hotp ? 'HOTP' : 'TOTP';
  if (kind === 'HOTP' && options.period !== undefined) throw new CliError('USAGE_PERIOD', '--period applies to TOTP only.');
  if (kind === 'TOTP' && options.counter !== undefined) throw new CliError('USAGE_COUNTER', '--counter applies to HOTP only.');
  let counter: bigint | undefined;
  if (options.counter !== undefined) {
    if (!/^[0-9]{1,20}$/.test(options.counter) || BigInt(options.counter) > 0xffff_ffff_ffff_ffffn) {
      throw new CliError('USAGE_COUNTER', '--counter must be an integer from 0 to 18446744073709551615.');
    }
    counter = BigInt(options.counter);
  }
  return {
    secret,
    kind,
    algorithm: options.algorithm?.toUpperCase() as 'SHA1' | 'SHA256' | 'SHA512' | undefined,
    digits: options.digits,
    period: kind === 'TOTP' ? options.period : undefined,
    counter: counter === undefined ? undefined : counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter,
  };
}

/** `hkey accounts add` */
export async function accountsAdd({ output, globals }: RunContext, options: AddOptions): Promise<void> {
  const wantsOtp = options.secretStdin || options.totp || options.hotp;
  if (wantsOtp && !options.secretStdin) throw new CliError('USAGE_SECRET', 'An OTP account needs its secret: pipe it in with --secret-stdin.');
  // Everything is validated before anything is written to the key.
  const otp = options.secretStdin ? otpParameters(options, parseBase32Secret(await readStdin())) : undefined;
  const flags = (options.readOnly ? AccountFlag.READ_ONLY : 0) | (options.hidden ? AccountFlag.HIDDEN : 0) | (options.touch ? AccountFlag.REQUIRES_TOUCH : 0);
  const created = await withClient(globals, (client) =>
    client.createAccount({ name: options.name, login: options.login, urls: options.url, flags: flags === 0 ? undefined : flags, otp }, { timeoutMs: globals.timeout }),
  );
  output.result({ id: created.id, name: options.name, storageFree: created.storageFree }, () => `Account ${options.name} created with id ${created.id} (${created.storageFree} bytes free).`);
}
