/**
 * The `hkey` command tree. Command modules are imported when their command runs, so start-up only pays
 * for what it uses (`hkey sim` must be ready within 300 ms of `node -e 0`).
 */
import { Command, CommanderError, Option } from 'commander';
import { port, integer } from './arguments.js';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { Output } from './output.js';

export interface GlobalOptions {
  transport?: string;
  device?: string;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  timeout: number;
}

export interface RunContext {
  readonly output: Output;
  readonly globals: GlobalOptions;
}

type Action = (context: RunContext, ...args: never[]) => Promise<number | void>;

function run(load: () => Promise<Action>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    const output = new Output({ json: globals.json, quiet: globals.quiet, verbose: globals.verbose });
    try {
      const action = await load();
      const code = await action({ output, globals }, ...(args.slice(0, -1) as never[]));
      process.exitCode = code ?? ExitCode.OK;
    } catch (error) {
      process.exitCode = output.error(error);
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('hkey')
    .description('Work with Hideez Keys, real or virtual: inspect, provision, simulate.')
    .version('0.1.0')
    .addOption(new Option('-t, --transport <url>', 'key to talk to: virtual, udp://host:port, hid[:path], ble[:id], ws://host:port').env('HKEY_TRANSPORT'))
    .option('-d, --device <serial>', 'choose a key by serial when several are present')
    .option('--json', 'print results as JSON', false)
    .option('-q, --quiet', 'print nothing but errors', false)
    .option('-v, --verbose', 'print details and stack traces', false)
    .option('--timeout <ms>', 'give up on the key after this long', integer('--timeout', 100, 600_000), 30_000)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nExamples:\n  $ hkey sim                         start a virtual key on udp://127.0.0.1:8111\n  $ hkey -t udp://127.0.0.1:8111 info\n  $ echo JBSWY3DPEHPK3PXP | hkey -t udp://127.0.0.1:8111 accounts add --name github --totp --secret-stdin\n  $ hkey -t udp://127.0.0.1:8111 otp github --json\n\n${EXIT_CODE_HELP}`);

  program
    .command('sim')
    .description('run virtual keys reachable over UDP HID, with a control API for automation')
    .option('--udp <port>', 'UDP HID port of the first key (key i uses port + i - 1)', port('--udp'), 8111)
    .option('--ble-port <port>', 'BLE link port (GATT over TCP, shared by all keys)', port('--ble-port'), 8112)
    .option('--control-port <port>', 'control API port (HTTP + WebSocket)', port('--control-port'), 8110)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow listening beyond loopback (exposes the keys to the network)', false)
    .option('--state <file>', 'state file (created if missing); without it the keys live in memory')
    .option('--reset-state', 'discard existing state files before starting', false)
    .option('--devices <n>', 'number of keys', integer('--devices', 1, 10_000), 1)
    .option('--clock <unixSeconds>', 'set the keys\' clocks at start', integer('--clock', 0, 2 ** 40))
    .option('--storage <bytes>', 'storage capacity of fresh keys', integer('--storage', 256, 1 << 24))
    .addOption(new Option('--auto-approve', 'approve every button request at once (default)').conflicts('interactive'))
    .option('--interactive', 'show a live panel and press the button from the keyboard', false)
    .addHelpText('after', '\nThe state passphrase, if any, is read from HKEY_STATE_PASSPHRASE.\n\nExamples:\n  $ hkey sim --state ~/.hkey/key.json\n  $ hkey sim --devices 8 --udp 9000 --json\n  $ hkey sim --interactive')
    .action(run(async () => (await import('./commands/sim.js')).sim));

  program
    .command('info')
    .description('identity, versions, storage, clock, battery and PIN state of a key')
    .addHelpText('after', '\nExamples:\n  $ hkey info\n  $ hkey -t udp://127.0.0.1:8111 info --json')
    .action(run(async () => (await import('./commands/info.js')).info));

  const time = program.command('time').description("the key's clock, which TOTP codes use");
  time
    .command('set <unixSeconds>')
    .description('set the key clock to a Unix time')
    .action(run(async () => {
      const { timeSet } = await import('./commands/time.js');
      return (context: RunContext, seconds: string) => timeSet(context, integer('UNIX_SECONDS', 0, 2 ** 40)(seconds));
    }));
  time
    .command('sync')
    .description("set the key clock to this computer's clock")
    .action(run(async () => (await import('./commands/time.js')).timeSync));

  const accounts = program.command('accounts').description('accounts stored on the key');
  accounts
    .command('list')
    .description('list accounts (without secrets or passwords)')
    .option('-a, --all', 'include hidden accounts', false)
    .action(run(async () => (await import('./commands/accounts.js')).accountsList));
  accounts
    .command('add')
    .description('create an account, optionally with an OTP secret read from stdin')
    .requiredOption('--name <name>', 'account name, unique on the key')
    .option('--login <login>', 'user name or e-mail')
    .option('--url <url...>', 'web sites of the account')
    .addOption(new Option('--totp', 'time-based OTP (default when a secret is given)').conflicts('hotp'))
    .option('--hotp', 'counter-based OTP')
    .addOption(new Option('--algorithm <name>', 'HMAC algorithm').choices(['sha1', 'sha256', 'sha512']))
    .option('--digits <n>', 'code length', integer('--digits', 6, 8))
    .option('--period <seconds>', 'TOTP step', integer('--period', 1, 3600))
    .option('--counter <n>', 'HOTP start counter')
    .option('--secret-stdin', 'read the base32 OTP secret from standard input')
    .option('--read-only', 'the key refuses changes to this account')
    .option('--hidden', 'hide the account from listings')
    .option('--touch', 'require a button press for each code')
    .addHelpText('after', '\nExamples:\n  $ echo JBSWY3DPEHPK3PXP | hkey accounts add --name github --totp --secret-stdin\n  $ hkey accounts add --name mail --login alice@example.com')
    .action(run(async () => (await import('./commands/accounts.js')).accountsAdd));

  program
    .command('otp <nameOrId>')
    .description('print the current one-time password of an account, computed on the key')
    .addHelpText('after', '\nExamples:\n  $ hkey otp github\n  $ hkey otp 3 --json')
    .action(run(async () => (await import('./commands/otp.js')).otp));

  return program;
}

/** Parses argv and runs; commander's own usage errors exit with ExitCode.USAGE. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      return;
    }
    throw error;
  }
}
