/** `hkey accounts list|show|add|update|remove`: the accounts on a key; secrets go in but never come out. */
import type { AccountDetails, AccountSummary } from '@hkey/bridge';
import { AccountFlag, ClearField, type RequestOf } from '@hkey/protocol';
import { checkRequest, findAccountOrFail, flagsText, optionForField } from '../account-fields.js';
import { CliError } from '../cli-error.js';
import { withKey } from '../connect.js';
import { type OtpParameterInput, type ResolvedOtp, accountNameFromUri, describeOtp, hasOtpParameters, resolveOtp } from '../otp-credential.js';
import { table } from '../output.js';
import { type PasswordOptions, readPassword } from '../password-input.js';
import type { RunContext } from '../context.js';
import { type SecretSourceOptions, type SuppliedSecret, hasSecretSource, readSecret } from '../secret-input.js';
import { canPrompt, confirm } from '../terminal.js';

interface OtpOptions extends SecretSourceOptions {
  totp?: boolean;
  hotp?: boolean;
  algorithm?: string;
  digits?: number;
  period?: number;
  counter?: string;
}

interface FieldOptions extends OtpOptions, PasswordOptions {
  name?: string;
  login?: string;
  url?: string[];
  app?: string[];
  readOnly?: boolean;
  hidden?: boolean;
  touch?: boolean;
  primary?: boolean;
}

export type AddOptions = FieldOptions;

export interface UpdateOptions extends FieldOptions {
  clear?: ('login' | 'password' | 'urls' | 'apps' | 'otp')[];
}

function otpInput(options: OtpOptions): OtpParameterInput {
  return {
    type: options.hotp ? 'hotp' : options.totp ? 'totp' : undefined,
    algorithm: options.algorithm,
    digits: options.digits,
    period: options.period,
    counter: options.counter,
  };
}

/** Reads and checks the OTP credential the options describe, before the key is touched. */
async function otpFromOptions(context: RunContext, options: OtpOptions): Promise<{ otp?: ResolvedOtp; supplied?: SuppliedSecret }> {
  const input = otpInput(options);
  const wanted = hasSecretSource(options) || hasOtpParameters(input);
  const supplied = await readSecret(options, context.output, wanted);
  if (supplied === undefined) {
    if (wanted) throw new CliError('USAGE_SECRET', 'OTP parameters need the secret: pipe it in with --secret-stdin, or use --uri-stdin, --uri-file or --qr.');
    return {};
  }
  return { otp: resolveOtp(supplied, input), supplied };
}

const FLAG_OPTIONS = [
  ['readOnly', AccountFlag.READ_ONLY],
  ['hidden', AccountFlag.HIDDEN],
  ['touch', AccountFlag.REQUIRES_TOUCH],
  ['primary', AccountFlag.PRIMARY],
] as const;

/** The flags after applying --hidden/--no-hidden and friends to `current`. */
function applyFlags(current: number, options: FieldOptions): number {
  let flags = current;
  for (const [option, bit] of FLAG_OPTIONS) {
    if (options[option] === true) flags |= bit;
    if (options[option] === false) flags &= ~bit;
  }
  return flags;
}

/** `hkey accounts list` */
export async function accountsList(context: RunContext, options: { all?: boolean }): Promise<void> {
  const { output, globals } = context;
  const accounts = await withKey(context, (key) => key.client.listAccounts({ includeHidden: options.all === true, timeoutMs: globals.timeout }));
  output.result(accounts, () =>
    accounts.length === 0
      ? 'No accounts.'
      : table(
          ['id', 'name', 'login', 'otp', 'password', 'flags'],
          accounts.map((a: AccountSummary) => [
            String(a.id),
            a.name,
            a.login ?? '',
            a.otp ? describeOtp(a.otp) : '',
            a.hasPassword ? 'yes' : '',
            flagsText(a.flags),
          ]),
        ),
  );
}

/** `hkey accounts show NAME|ID` */
export async function accountsShow(context: RunContext, nameOrId: string): Promise<void> {
  const { output, globals } = context;
  const account: AccountDetails = await withKey(context, async (key) =>
    key.client.getAccount((await findAccountOrFail(key.client, nameOrId, globals.timeout)).id, { timeoutMs: globals.timeout }),
  );
  output.result(account, () =>
    table(
      ['field', 'value'],
      [
        ['id', String(account.id)],
        ['name', account.name],
        ['login', account.login ?? ''],
        ['urls', (account.urls ?? []).join(' ')],
        ['apps', (account.apps ?? []).join(' ')],
        ['otp', account.otp ? describeOtp(account.otp) : 'none'],
        ['password', account.hasPassword ? 'stored' : 'none'],
        ['flags', flagsText(account.flags) || 'none'],
      ],
    ),
  );
}

/** `hkey accounts add` */
export async function accountsAdd(context: RunContext, options: AddOptions): Promise<void> {
  const { output, globals } = context;
  // Everything is read and checked before anything is written to the key.
  const { otp, supplied } = await otpFromOptions(context, options);
  const uri = supplied?.kind === 'uri' ? supplied.uri : undefined;
  const name = options.name ?? (uri && accountNameFromUri(uri));
  if (name === undefined) throw new CliError('USAGE_NAME', 'Name the account with --name NAME.');
  const flags = applyFlags(0, options);
  const request: RequestOf<'AccountCreate'> = {
    name,
    login: options.login ?? uri?.accountName,
    urls: options.url,
    apps: options.app,
    flags: flags === 0 ? undefined : flags,
    otp,
    password: await readPassword(options),
  };
  checkRequest('AccountCreate', request, optionForField);
  try {
    const created = await withKey(context, (key) => key.client.createAccount(request, { timeoutMs: globals.timeout }));
    output.result(
      { id: created.id, name, storageFree: created.storageFree },
      () => `Account ${name} created with id ${created.id} (${created.storageFree} bytes free).`,
    );
  } finally {
    otp?.secret.fill(0);
  }
}

const CLEAR_BITS = { login: ClearField.LOGIN, password: ClearField.PASSWORD, urls: ClearField.URLS, apps: ClearField.APPS, otp: ClearField.OTP } as const;

/** `hkey accounts update NAME|ID` */
export async function accountsUpdate(context: RunContext, nameOrId: string, options: UpdateOptions): Promise<void> {
  const { output, globals } = context;
  const { otp } = await otpFromOptions(context, options);
  const password = await readPassword(options);
  const changes = { name: options.name, login: options.login, urls: options.url, apps: options.app, password, otp };
  const clear = options.clear ?? [];
  for (const field of clear) {
    if (changes[field] !== undefined) throw new CliError('USAGE_CLEAR', `--clear ${field} contradicts the new ${field} given: drop one of them.`);
  }
  const changesFlags = FLAG_OPTIONS.some(([option]) => options[option] !== undefined);
  if (Object.values(changes).every((value) => value === undefined) && clear.length === 0 && !changesFlags) {
    throw new CliError('USAGE_NOTHING_TO_CHANGE', 'Nothing to change: give a new --name, --login, --url, --app, flags, OTP secret, password or --clear.');
  }
  const clearBits = clear.reduce((bits, field) => bits | CLEAR_BITS[field], 0);
  try {
    const result = await withKey(context, async (key) => {
      const account = await findAccountOrFail(key.client, nameOrId, globals.timeout);
      const flags = applyFlags(account.flags, options);
      const request: RequestOf<'AccountUpdate'> = {
        id: account.id,
        ...changes,
        flags: flags === account.flags ? undefined : flags,
        clear: clearBits === 0 ? undefined : clearBits,
      };
      checkRequest('AccountUpdate', request, optionForField);
      const updated = await key.client.updateAccount(request, { timeoutMs: globals.timeout });
      return { id: account.id, name: options.name ?? account.name, storageFree: updated.storageFree };
    });
    output.result(result, () => `Account ${result.name} (id ${result.id}) updated (${result.storageFree} bytes free).`);
  } finally {
    otp?.secret.fill(0);
  }
}

/** `hkey accounts remove NAME|ID` */
export async function accountsRemove(context: RunContext, nameOrId: string, options: { yes?: boolean }): Promise<void> {
  const { output, globals } = context;
  const result = await withKey(context, async (key) => {
    const account = await findAccountOrFail(key.client, nameOrId, globals.timeout);
    if (!options.yes && canPrompt() && !(await confirm(`Remove account ${account.name} (id ${account.id}) and its secret from key ${key.info.serial}?`))) {
      return undefined;
    }
    const removed = await key.client.deleteAccount(account.id, { timeoutMs: globals.timeout });
    return { id: account.id, name: account.name, storageFree: removed.storageFree };
  });
  if (result === undefined) {
    output.info('Nothing removed.');
    return;
  }
  output.result(result, () => `Account ${result.name} (id ${result.id}) removed (${result.storageFree} bytes free).`);
}
