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
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\nExamples:\n  $ hkey sim                         start a virtual key on udp://127.0.0.1:8111\n  $ hkey -t udp://127.0.0.1:8111 info\n  $ echo JBSWY3DPEHPK3PXP | hkey -t udp://127.0.0.1:8111 accounts add --name github --totp --secret-stdin\n  $ hkey -t udp://127.0.0.1:8111 otp github --json\n\n${EXIT_CODE_HELP}`);

  program
    .command('sim')
    .description('run virtual keys reachable over UDP HID, with a control API for automation')
    .option('--udp <port>', 'UDP HID port of the first key (key i uses port + i - 1)', port('--udp'), 8111)
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

  return program;
}

/** Parses argv and runs; commander's own usage errors exit with ExitCode.USAGE. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
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
