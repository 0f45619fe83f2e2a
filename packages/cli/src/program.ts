/**
 * The `hkey` command tree. Command modules are imported when their command runs, so start-up only pays
 * for what it uses (issue 18: `hkey sim` ready within 50 ms of `node -e 0`, `hkey --version` within 25 ms).
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { duration, integer, list, port } from './arguments.js';
import { CliError } from './cli-error.js';
import type { GlobalOptions, RunContext } from './context.js';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { Output } from './output.js';
import { VERSION } from './version.js';

type Action = (context: RunContext, ...args: never[]) => Promise<number | void>;

/** Standard input carries one thing per command; two options that want it are a usage error, caught before any I/O. */
function checkStdinUse(command: Command, globals: GlobalOptions): void {
  const wanted = Object.entries({ ...command.opts(), pinStdin: globals.pinStdin })
    .filter(([name, value]) => name.endsWith('Stdin') && value === true)
    .map(([name]) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`);
  if (wanted.length > 1) {
    throw new CliError('USAGE_STDIN', `${wanted.join(' and ')} both want standard input: give the PIN with HKEY_PIN or the prompt instead.`);
  }
}

function run(load: () => Promise<Action>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    const output = new Output({ json: globals.json, quiet: globals.quiet, verbose: globals.verbose });
    try {
      checkStdinUse(command, globals);
      const action = await load();
      const code = await action({ output, globals }, ...(args.slice(0, -1) as never[]));
      process.exitCode = code ?? ExitCode.OK;
    } catch (error) {
      process.exitCode = output.error(error);
    }
  };
}

const examples = (...lines: string[]): string => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;

/** How an OTP secret can be given; shared by `accounts add`, `accounts update`. */
function secretOptions(command: Command): Command {
  return command
    .option('--secret-stdin', 'read the base32 OTP secret from standard input')
    .option('--uri-stdin', 'read an otpauth:// URI from standard input')
    .option('--uri-file <file>', 'read an otpauth:// URI from a file')
    .option('--qr <image>', 'read the QR code in a PNG or JPEG screenshot of up to 40 megapixels (otpauth:// URI or base32 secret)')
    .option('--secret-argv <base32>', 'take the secret from the command line (visible to other users and kept in shell history; warns)')
    .addOption(new Option('--totp', 'time-based OTP (default)').conflicts('hotp'))
    .option('--hotp', 'counter-based OTP')
    .addOption(new Option('--algorithm <name>', 'HMAC algorithm (default sha1)').choices(['sha1', 'sha256', 'sha512']))
    .option('--digits <n>', 'code length (default 6)', integer('--digits', 6, 8))
    .option('--period <seconds>', 'TOTP step (default 30)', integer('--period', 1, 3600))
    .option('--counter <n>', 'HOTP counter the server expects next (default 0)');
}

function passwordOptions(command: Command): Command {
  return command
    .addOption(new Option('--password-stdin', 'read the account password from standard input').conflicts('passwordPrompt'))
    .option('--password-prompt', 'ask for the account password (hidden)');
}

const SECRET_HELP = `
The OTP secret never goes on the command line unless you ask with --secret-argv. Without a source, a terminal
asks for it (hidden). A URI or QR code brings its own parameters; a flag that contradicts them is an error.
`;

export function buildProgram(): Command {
  const program = new Command('hkey')
    .description('Work with Hideez Keys, real or virtual: inspect, provision, simulate.')
    .version(VERSION)
    .addOption(
      // The bridge's ADDRESS_SYNTAX, spelled out (a test keeps them equal): importing @hkey/bridge here would load it
      // for every command, `hkey --help` too.
      new Option(
        '-t, --transport <url>',
        'where keys are: udp://HOST:PORT, hid[:PATH], ble[://ID], ble-link://HOST:PORT/SERIAL, tcp://HOST:PORT, ws://HOST:PORT[/ID] or virtual; ' +
          'repeat or comma-separate for several',
      )
        .env('HKEY_TRANSPORT')
        .argParser(list),
    )
    .option('-d, --device <serial>', 'choose a key by serial when several answer')
    .option('--pin-stdin', 'read the PIN from standard input (for `pin change`: current, then new, one a line); or set HKEY_PIN', false)
    .option('--stay-unlocked', 'leave the key unlocked after a command that gave it the PIN (by default it is locked again)', false)
    .option('--json', 'print results as JSON', false)
    .option('-q, --quiet', 'print nothing but errors', false)
    .option('-v, --verbose', 'print details and stack traces', false)
    .option('--timeout <ms>', 'give up on the key after this long (waits for its button come on top)', integer('--timeout', 100, 600_000), 30_000)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `${examples(
        'hkey sim                         start a virtual key on udp://127.0.0.1:8111',
        'hkey devices',
        'hkey -t udp://127.0.0.1:8111 info',
        'hkey accounts add --name github --qr enrollment.png',
        'hkey otp github --json',
        'hkey provision keys.csv --parallel -t udp://127.0.0.1:8111,udp://127.0.0.1:8112',
      )}

PINs come from --pin-stdin, HKEY_PIN or a hidden prompt; a locked key is unlocked when a command needs it and
locked again before the command exits, on success or failure, since an unlocked key is unlocked for every
program that reaches it (web pages through \`hkey bridge\` included). --stay-unlocked leaves it unlocked.
Secrets come from stdin, a hidden prompt, an otpauth:// URI or a QR code image, never from the command line
unless you insist (--secret-argv), and are never printed; \`hkey enroll\` shows the one it made, once.

${EXIT_CODE_HELP}`,
    );

  program
    .command('sim')
    .description('run virtual keys reachable over UDP HID, with a control API for automation')
    .option('--udp <port>', 'UDP HID port of the first key (key i uses port + i - 1)', port('--udp'), 8111)
    .option('--ble-port <port>', 'BLE link port (GATT over TCP, shared by all keys)', port('--ble-port'), 8112)
    .option('--control-port <port>', 'control API port (HTTP + WebSocket, loopback only)', port('--control-port'), 8110)
    .addOption(
      new Option('--control-token <token>', 'fixed control API token, at least 16 characters (default: a random one per launch)').env('HKEY_CONTROL_TOKEN'),
    )
    .option('--host <address>', 'address the keys listen on', '127.0.0.1')
    .option('--allow-remote', 'allow the keys (UDP HID, BLE link) to listen beyond loopback; the control API stays on loopback', false)
    .option('--state <file>', 'state file (created if missing); without it the keys live in memory')
    .option('--reset-state', 'discard existing state files before starting', false)
    .addOption(new Option('--encrypt-state', 'encrypt the --state file in place with HKEY_STATE_PASSPHRASE, then exit').default(false).conflicts('resetState'))
    .option('--devices <n>', 'number of keys', integer('--devices', 1, 10_000), 1)
    .option('--workers <n>', 'threads the keys run on (default: one per core, at most one per key; 1: the main thread)', integer('--workers', 1, 1024))
    .option('--realistic-timing', "answer at a real key's pace: 1 ms per HID report, BLE fragments of 20 bytes every 15 ms", false)
    .option('--clock <unixSeconds>', "set the keys' clocks at start", integer('--clock', 0, 2 ** 40))
    .option('--storage <bytes>', 'storage capacity of fresh keys', integer('--storage', 256, 1 << 24))
    .addOption(new Option('--auto-approve', 'approve every button request at once (default)').conflicts('interactive'))
    .option('--interactive', 'show a live panel and press the button from the keyboard', false)
    .option('--no-events', 'with --json or --verbose, leave out the stream of key events (the ready and stopped lines stay)')
    .option('--open', 'open the dashboard (printed in the ready line) in the default browser, best effort', false)
    .option(
      '--attestation-ca <dir>',
      'security-key attestation and key identities (hkey identity) under your own CA: DIR/ca.pem and DIR/ca.key (P-256) (default: the simulator root)',
    )
    .addOption(new Option('--attestation <format>', 'security-key attestation format').choices(['packed', 'self', 'none']).default('packed'))
    .addHelpText(
      'after',
      `
The state passphrase, if any, is read from HKEY_STATE_PASSPHRASE. Every control API request presents the token
printed at start (and in the --json ready line as controlToken): Authorization: Bearer TOKEN or ?token=TOKEN.\n${examples(
        'hkey sim --state ~/.hkey/key.json',
        'HKEY_STATE_PASSPHRASE=... hkey sim --state ~/.hkey/key.json --encrypt-state',
        'hkey sim --devices 8 --udp 9000 --json',
        'hkey sim --devices 64 --workers 4 --udp 0 --json --no-events',
        'hkey sim --interactive',
        'hkey sim --devices 100 --open',
        'hkey sim --attestation-ca ./test-ca --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/sim.js')).sim));

  program
    .command('bridge')
    .description('serve keys to web pages and programs over a local WebSocket (docs/bridge-protocol.md)')
    .option('--port <port>', 'WebSocket port', port('--port'), 8120)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--allow-remote', 'allow listening beyond loopback (exposes the keys to the network; every client then needs the token)', false)
    .option('--origin <origin...>', 'web page origins allowed in (default: localhost, 127.0.0.1 and [::1] on any port)')
    .option('--require-token', 'pages from allowed origins need the token too (always so with --allow-remote)', false)
    .option('--virtual <n>', 'serve N in-process virtual keys', integer('--virtual', 0, 64), 0)
    .option('--udp <url...>', 'serve the simulator keys at these udp:// addresses')
    .option('--no-hardware', 'do not serve real USB and Bluetooth keys')
    .addHelpText(
      'after',
      `
Who gets in: programs that present the token printed at start (?token= or Authorization: Bearer), and pages from
an allowed --origin without it. Any local program can claim such an Origin: --require-token makes the token the
only way in (--allow-remote always does). Each key is leased to one client at a time.\n${examples(
        'hkey bridge',
        'hkey bridge --virtual 2 --no-hardware --json',
        'hkey bridge --udp udp://127.0.0.1:8111 --origin https://app.example --require-token',
      )}`,
    )
    .action(run(async () => (await import('./commands/bridge.js')).bridge));

  program
    .command('devices')
    .description('list the keys that answer: serial, transport, PIN and lock state')
    .addHelpText(
      'after',
      `
Without --transport, looks at the simulator's default ports (udp://127.0.0.1:8111 to :8118 and its BLE link
tcp://127.0.0.1:8112) and at USB keys; Bluetooth keys in range only with --transport ble.\n${examples(
        'hkey devices',
        'hkey devices -t udp://127.0.0.1:9000,udp://127.0.0.1:9001 --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/devices.js')).devices));

  program
    .command('info')
    .description('identity, versions, storage, clock, battery and PIN state of a key')
    .addHelpText('after', examples('hkey info', 'hkey -t udp://127.0.0.1:8111 info --json', 'hkey --device HK-SIM-000002 info'))
    .action(run(async () => (await import('./commands/info.js')).info));

  const time = program
    .command('time')
    .description("the key's clock, which TOTP codes use")
    .addHelpText('after', examples('hkey time sync', 'hkey time set 2000000000'));
  time
    .command('set <unixSeconds>')
    .description('set the key clock to a Unix time')
    .addHelpText('after', examples('hkey time set 1700000000', 'hkey time set "$(date +%s)" --json'))
    .action(
      run(async () => {
        const { timeSet } = await import('./commands/time.js');
        return (context: RunContext, seconds: string) => timeSet(context, integer('UNIX_SECONDS', 0, 2 ** 40)(seconds));
      }),
    );
  time
    .command('sync')
    .description("set the key clock to this computer's clock")
    .addHelpText('after', examples('hkey time sync', 'hkey --device HK-SIM-000002 time sync --json'))
    .action(run(async () => (await import('./commands/time.js')).timeSync));

  const pin = program
    .command('pin')
    .description('the PIN that protects the key (4 to 8 digits; wrong attempts are limited)')
    .addHelpText('after', examples('hkey pin status', 'hkey pin set', 'hkey --pin-stdin pin change < pins.txt'));
  pin
    .command('status')
    .description('whether a PIN is set, attempts left, and whether this session is unlocked')
    .addHelpText('after', examples('hkey pin status', 'hkey pin status --json'))
    .action(run(async () => (await import('./commands/pin.js')).pinStatus));
  pin
    .command('set')
    .description('set the first PIN of a key (press its button to confirm)')
    .option('--max-retries <n>', 'wrong attempts allowed before the key blocks (default 8)', integer('--max-retries', 3, 10))
    .addHelpText(
      'after',
      `\nThe new PIN comes from --pin-stdin, HKEY_PIN or a hidden prompt (asked twice).\n${examples(
        'hkey pin set',
        'HKEY_PIN="$(pass show keys/pin)" hkey pin set --max-retries 5',
      )}`,
    )
    .action(run(async () => (await import('./commands/pin.js')).pinSet));
  pin
    .command('change')
    .description('replace the PIN after checking the current one')
    .addHelpText(
      'after',
      `
The current PIN comes from --pin-stdin (first line), HKEY_PIN or a prompt; the new one from --pin-stdin
(next line), HKEY_NEW_PIN or a prompt (asked twice).\n${examples('hkey pin change', 'pass show keys/pin-change | hkey --pin-stdin pin change')}`,
    )
    .action(run(async () => (await import('./commands/pin.js')).pinChange));
  pin
    .command('verify')
    .description('check the PIN; with --stay-unlocked, leave the key unlocked for the commands that follow')
    .addHelpText(
      'after',
      `
Without --stay-unlocked the key is locked again before the command exits, like after every command that
unlocks it: an unlocked key answers every program that reaches it (on USB, all of them; web pages through
\`hkey bridge\`), so it stays unlocked only when asked, until \`hkey lock\` or it powers off.\n${examples(
        'hkey pin verify                   (checks the PIN; the key is locked again)',
        'hkey --stay-unlocked pin verify   (unlocks the key for later commands)',
        'pass show keys/pin | hkey --pin-stdin pin verify --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/pin.js')).pinVerify));

  program
    .command('lock')
    .description('lock the key: commands need the PIN again')
    .addHelpText('after', examples('hkey lock', 'hkey --device HK-SIM-000002 lock --json'))
    .action(run(async () => (await import('./commands/lock.js')).lock));

  program
    .command('wipe')
    .description("erase every account, secret and the PIN (hold the key's button for 10 seconds)")
    .option('-y, --yes', 'do not ask for confirmation on the terminal (the button hold is still needed)')
    .addHelpText(
      'after',
      `
The key asks for its button to be held for 10 seconds; releasing it earlier cancels and erases nothing.
Wiping is the only way out of a blocked PIN. The serial and clock stay.\n${examples('hkey wipe', 'hkey --device HK-SIM-000002 wipe --yes --json')}`,
    )
    .action(run(async () => (await import('./commands/wipe.js')).wipe));

  const fido = program
    .command('fido')
    .description('the security-key side (FIDO2 / U2F): information, the FIDO PIN, discoverable credentials, reset')
    .addHelpText(
      'after',
      `
The FIDO PIN is not the HKP PIN of \`hkey pin\`: it comes from --pin-stdin, HKEY_FIDO_PIN (HKEY_FIDO_NEW_PIN for the
new one of \`pin change\`) or a hidden prompt, and is never printed.\n${examples(
        'hkey fido info',
        'hkey fido pin set',
        'hkey fido credentials list --json',
        'hkey -t virtual fido reset --force',
      )}`,
    );
  fido
    .command('info')
    .description('versions, AAGUID, PIN state, algorithms, extensions and room for discoverable credentials')
    .addHelpText('after', examples('hkey fido info', 'hkey -t udp://127.0.0.1:8111 fido info --json'))
    .action(run(async () => (await import('./commands/fido.js')).fidoInfo));
  const fidoPin = fido
    .command('pin')
    .description('the FIDO PIN (CTAP ClientPIN; at least 4 characters, 8 wrong attempts block it)')
    .addHelpText('after', examples('hkey fido pin retries', 'hkey fido pin set', 'printf "%s\\n%s\\n" "$OLD" "$NEW" | hkey --pin-stdin fido pin change'));
  fidoPin
    .command('set')
    .description('set the first FIDO PIN')
    .addHelpText(
      'after',
      `\nThe new PIN comes from --pin-stdin, HKEY_FIDO_PIN or a hidden prompt (asked twice).\n${examples(
        'hkey fido pin set',
        'HKEY_FIDO_PIN="$(pass show keys/fido-pin)" hkey fido pin set --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/fido.js')).fidoPinSet));
  fidoPin
    .command('change')
    .description('replace the FIDO PIN after checking the current one')
    .addHelpText(
      'after',
      `
The current PIN comes from --pin-stdin (first line), HKEY_FIDO_PIN or a prompt; the new one from --pin-stdin
(next line), HKEY_FIDO_NEW_PIN or a prompt (asked twice).\n${examples(
        'hkey fido pin change',
        'pass show keys/fido-pin-change | hkey --pin-stdin fido pin change',
      )}`,
    )
    .action(run(async () => (await import('./commands/fido.js')).fidoPinChange));
  fidoPin
    .command('retries')
    .description('wrong FIDO PIN attempts left')
    .addHelpText('after', examples('hkey fido pin retries', 'hkey fido pin retries --json'))
    .action(run(async () => (await import('./commands/fido.js')).fidoPinRetries));
  const fidoCredentials = fido
    .command('credentials')
    .description('discoverable credentials (passkeys) on the key; needs the FIDO PIN')
    .addHelpText('after', examples('hkey fido credentials list', 'hkey fido credentials delete 3q2-7wAAAAAAAAAAAAAAAA'));
  fidoCredentials
    .command('list')
    .description('every discoverable credential: relying party, user and credential id')
    .addHelpText('after', examples('hkey fido credentials list', 'HKEY_FIDO_PIN=... hkey fido credentials list --json'))
    .action(run(async () => (await import('./commands/fido-credentials.js')).fidoCredentialsList));
  fidoCredentials
    .command('delete <credentialId>')
    .description('delete one discoverable credential, named by its base64url id as `credentials list` shows it')
    .addHelpText('after', examples('hkey fido credentials delete 3q2-7wAAAAAAAAAAAAAAAA', 'HKEY_FIDO_PIN=... hkey fido credentials delete ID --json'))
    .action(run(async () => (await import('./commands/fido-credentials.js')).fidoCredentialsDelete));
  fido
    .command('reset')
    .description('erase every FIDO credential and the FIDO PIN (within 10 seconds of plugging the key in, with a touch)')
    .option('--force', 'do not ask for confirmation (required when there is no terminal)')
    .addHelpText(
      'after',
      `
A key allows a FIDO reset only within 10 seconds of being plugged in, and only with a touch: unplug it, plug it
back in, run the command at once and press the button when it blinks. OTP accounts, passwords and the HKP PIN
stay. With --transport virtual the key powers up with the command, so the window is open. Without a terminal
to confirm on, --force is required.\n${examples('hkey fido reset', 'hkey -t virtual fido reset --force --json')}`,
    )
    .action(run(async () => (await import('./commands/fido.js')).fidoReset));

  const accounts = program
    .command('accounts')
    .description('accounts stored on the key')
    .addHelpText('after', examples('hkey accounts list', 'hkey accounts show github', 'hkey accounts add --name github --qr screenshot.png'));
  accounts
    .command('list')
    .description('list accounts (without secrets or passwords)')
    .option('-a, --all', 'include hidden accounts', false)
    .addHelpText('after', examples('hkey accounts list', 'hkey accounts list --all --json'))
    .action(run(async () => (await import('./commands/accounts.js')).accountsList));
  accounts
    .command('show <nameOrId>')
    .description('one account in detail (never its secret or password)')
    .addHelpText('after', examples('hkey accounts show github', 'hkey accounts show 3 --json'))
    .action(run(async () => (await import('./commands/accounts.js')).accountsShow));
  passwordOptions(
    secretOptions(
      accounts
        .command('add')
        .description('create an account, optionally with an OTP secret and a password')
        .option('--name <name>', 'account name, unique on the key (default: from the otpauth URI)')
        .option('--login <login>', 'user name or e-mail (default: from the otpauth URI)')
        .option('--url <url...>', 'web sites of the account')
        .option('--app <app...>', 'applications of the account'),
    ),
  )
    .option('--read-only', 'the key refuses changes to this account')
    .option('--hidden', 'hide the account from listings')
    .option('--touch', 'require a button press for each code')
    .option('--primary', 'mark as a primary account')
    .addHelpText(
      'after',
      `${SECRET_HELP}${examples(
        'pass show otp/github | hkey accounts add --name github --secret-stdin',
        'hkey accounts add --name github --totp                 (asks for the secret, hidden)',
        'hkey accounts add --qr enrollment.png',
        'hkey accounts add --name vpn --hotp --counter 5 --uri-file vpn.uri',
        'hkey accounts add --name mail --login alice@example.com --password-prompt',
      )}`,
    )
    .action(run(async () => (await import('./commands/accounts.js')).accountsAdd));
  passwordOptions(
    secretOptions(
      accounts
        .command('update <nameOrId>')
        .description('change an account: name, login, sites, flags, OTP secret or password')
        .option('--name <name>', 'new account name')
        .option('--login <login>', 'new user name or e-mail')
        .option('--url <url...>', 'new web sites (replace the list)')
        .option('--app <app...>', 'new applications (replace the list)')
        .addOption(new Option('--clear <field...>', 'remove fields').choices(['login', 'password', 'urls', 'apps', 'otp'])),
    ),
  )
    .option('--read-only', 'the key refuses further changes (only a wipe removes the account)')
    .option('--hidden', 'hide the account from listings')
    .option('--no-hidden', 'show the account in listings')
    .option('--touch', 'require a button press for each code')
    .option('--no-touch', 'no button press for codes')
    .option('--primary', 'mark as a primary account')
    .option('--no-primary', 'unmark as a primary account')
    .addHelpText(
      'after',
      `\nChanging OTP parameters needs the secret again (it never leaves the key).${SECRET_HELP}${examples(
        'hkey accounts update github --name GitHub --url https://github.com',
        'hkey accounts update 3 --qr new-enrollment.png',
        'hkey accounts update mail --clear login urls --hidden',
      )}`,
    )
    .action(run(async () => (await import('./commands/accounts.js')).accountsUpdate));
  accounts
    .command('remove <nameOrId>')
    .description('delete an account and its secret')
    .option('-y, --yes', 'do not ask for confirmation on the terminal')
    .addHelpText('after', examples('hkey accounts remove github', 'hkey accounts remove 3 --yes --json'))
    .action(run(async () => (await import('./commands/accounts.js')).accountsRemove));

  program
    .command('otp <nameOrId>')
    .description('print the current one-time password of an account, computed on the key')
    .addHelpText('after', examples('hkey otp github', 'hkey otp 3 --json'))
    .action(run(async () => (await import('./commands/otp.js')).otp));

  program
    .command('password <nameOrId>')
    .description("print an account's password after a press of the key's button")
    .addHelpText(
      'after',
      `\nThe prompt to press the button goes to stderr; the password alone goes to stdout.\n${examples('hkey password mail', 'hkey password mail | wl-copy')}`,
    )
    .action(run(async () => (await import('./commands/password.js')).password));

  program
    .command('enroll')
    .description('generate a new OTP secret on this computer, write it to the key, and show it once to register on the server')
    .requiredOption('--issuer <issuer>', 'service the code is for, e.g. "Hideez Enterprise"')
    .requiredOption('--account <name>', 'user the code is for, e.g. alice@example.com')
    .option('--name <name>', 'account name on the key (default ISSUER:ACCOUNT)')
    .addOption(new Option('--totp', 'time-based OTP (default)').conflicts('hotp'))
    .option('--hotp', 'counter-based OTP, counter 0')
    .addOption(new Option('--algorithm <name>', 'HMAC algorithm (default sha1)').choices(['sha1', 'sha256', 'sha512']))
    .option('--digits <n>', 'code length (default 6)', integer('--digits', 6, 8))
    .option('--period <seconds>', 'TOTP step (default 30)', integer('--period', 1, 3600))
    .addHelpText(
      'after',
      `
This is the one command that prints a secret, by design: the otpauth:// URI and its QR code are shown once,
to scan into the server or an authenticator, and are stored nowhere. With --json the URI is the "uri" field
of the result. The key's code is checked against this computer's before the secret is shown.\n${examples(
        'hkey enroll --issuer "Hideez Enterprise" --account alice@example.com',
        'hkey enroll --issuer VPN --account bob --digits 8 --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/enroll.js')).enroll));

  const provision = program
    .command('provision <file>')
    .description('write accounts from a CSV or JSON batch to many keys, verify each, and keep an audit log')
    // `[n]`: the same option serves `provision bundle`, whose options after `bundle` commander gives to this command.
    .addOption(
      new Option('--parallel [n]', 'work on all keys of --transport at once instead of one key at a time (bundle: at most N keys)')
        .argParser(integer('--parallel', 1, 10_000))
        .default(false),
    )
    .option('--audit <file>', 'append-only JSON Lines audit log (owner-only, its key in FILE.key); re-runs skip rows it shows done', './hkey-audit.jsonl')
    .option('--dry-run', 'check the whole file and show the plan without touching a key', false)
    .option('--sync-time', "set each key's clock to this computer's before writing", false)
    .addHelpText(
      'after',
      `
Rows (CSV with a header line, or a JSON array of objects) have the columns:
  serial     key to write to (optional: otherwise the next free key)
  name       account name on the key (optional with uri: ISSUER:ACCOUNT from the URI)
  login      user name (optional with uri: from the URI)
  password   account password (optional; leading and trailing spaces are dropped)
  urls, apps web sites and applications, separated by spaces
  flags      any of read-only hidden touch primary, separated by spaces
  secret     base32 OTP secret, or
  uri        otpauth:// URI
  type, algorithm, digits, period, counter   OTP parameters for a bare secret

One key at a time (default): rows are written in order; a row without serial goes to a key not yet done, so
swap keys when asked. With --parallel, rows with a serial go to that key and the rest to whichever key is free.
Every write is verified by comparing the key's code with one computed here; a failed row is rolled back.
Without --transport, the places \`hkey devices\` looks at are watched. With --json, each event is a line (key,
waiting, row-started, row) and the summary comes last. Exit 9 when any row failed or found no key.
A re-run skips the rows the audit log shows done. A row written before whose contents changed since (a new
secret, other parameters) is reported as changed and not written again; exit 10 when that is all that is left.\n${examples(
        'hkey provision keys.csv --dry-run',
        'hkey provision keys.csv                     (one key at a time; swap keys when asked)',
        'hkey provision keys.json --parallel -t udp://127.0.0.1:9000,udp://127.0.0.1:9001 --audit run1.jsonl',
      )}`,
    )
    .action(run(async () => (await import('./commands/provision.js')).provision));

  provision
    .command('bundle <dir>')
    .description('relay a sealed bundle (from `hkey seal`) to its keys; this machine never sees a secret, the keys sign receipts')
    .option('--receipts <file>', "append-only JSON Lines of the keys' signed receipts, for the issuer; re-runs skip items it shows taken", './receipts.jsonl')
    .addHelpText(
      'after',
      `
--parallel N and --audit FILE are those of \`hkey provision\` (default: one key at a time, ./hkey-audit.jsonl).
Each item goes to the key whose serial its file names (items/SERIAL.jsonl), found at the --transport addresses
(any transport, \`hkey bridge\` too), in file order. Every answer is a receipt signed by the key, checked against
the key's certified identity in the bundle and appended to --receipts. A key that refuses an item without taking
it (altered, expired, out of order) takes none after it: those are reported as not sent. With --json, each event
is a line (key, row-started, row: row is the item's sequence) and the summary comes last. Exit 9 when any item
was refused or not sent. A re-run skips the items --receipts shows taken.\n${examples(
        'hkey provision bundle ./bundle -t udp://127.0.0.1:8111,udp://127.0.0.1:8112 --parallel 2',
        'HKEY_BRIDGE_TOKEN=... hkey provision bundle ./bundle -t ws://127.0.0.1:8120 --receipts run1-receipts.jsonl',
      )}`,
    )
    .action(run(async () => (await import('./commands/provision-bundle.js')).provisionBundle));

  program
    .command('identity')
    .description("a key's provisioning identity (public keys and certificate chain) as an inventory line, checked against the manufacturer CA")
    .option('--all', 'every key that answers at --transport (default: the one key)', false)
    .option('--manufacturer-ca <file>', "the manufacturer root as PEM (default: the simulator's root)")
    .addHelpText(
      'after',
      `
With --json, one inventory line per key: serial, kemPublicKey, signingPublicKey, chain (base64url DER), lifecycle,
and issuerId and sequence once an issuer is enrolled. An inventory holds no secret. Keys whose chain does not
verify are left out with a warning, and the exit code is 7.\n${examples(
        'hkey identity',
        'hkey identity --all --json -t udp://127.0.0.1:8111,udp://127.0.0.1:8112 > inventory.jsonl',
        'hkey identity --all --json --manufacturer-ca team-ca.pem > inventory.jsonl',
      )}`,
    )
    .action(run(async () => (await import('./commands/identity.js')).identity));

  const issuer = program
    .command('issuer')
    .description('the issuer of sealed items: its signing key, and which keys obey it')
    .addHelpText(
      'after',
      examples('hkey issuer init --out issuer.key', 'hkey issuer enroll --issuer issuer.pub', 'hkey issuer handover --issuer old.key --to new.pub'),
    );
  issuer
    .command('init')
    .description('make an issuer signing key (P-256), encrypted with a passphrase, and its public key FILE.pub')
    .requiredOption('--out <file>', 'where to write the key (owner-only; never overwritten)')
    .addHelpText(
      'after',
      `
The passphrase comes from HKEY_ISSUER_PASSPHRASE or a hidden prompt (asked twice), at least 8 characters.\n${examples(
        'hkey issuer init --out issuer.key',
        'HKEY_ISSUER_PASSPHRASE=... hkey issuer init --out /secure/issuer.key --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/issuer.js')).issuerInit));
  issuer
    .command('enroll')
    .description('make a Ready key obey this issuer; the key asks for a button press')
    .requiredOption('--issuer <file>', "the issuer's public key (issuer.pub)")
    .addHelpText('after', examples('hkey issuer enroll --issuer issuer.pub', 'hkey -t udp://127.0.0.1:8112 issuer enroll --issuer issuer.pub --json'))
    .action(run(async () => (await import('./commands/issuer.js')).issuerEnroll));
  issuer
    .command('handover')
    .description('hand a key over to another issuer, signed by the issuer it obeys now')
    .requiredOption('--issuer <file>', "the current issuer's key file (asks for its passphrase, or HKEY_ISSUER_PASSPHRASE)")
    .requiredOption('--to <file>', "the next issuer's public key")
    .addHelpText(
      'after',
      examples('hkey issuer handover --issuer old.key --to new.pub', 'hkey --device HK-SIM-000002 issuer handover --issuer old.key --to new.pub'),
    )
    .action(run(async () => (await import('./commands/issuer.js')).issuerHandover));

  program
    .command('seal <file>')
    .description('seal a batch (the CSV or JSON of `hkey provision`) for the keys of an inventory, where the secrets are')
    .requiredOption('--issuer <file>', 'the issuer key (asks for its passphrase, or HKEY_ISSUER_PASSPHRASE)')
    .requiredOption('--inventory <file>', 'the keys, as `hkey identity --all --json` prints them')
    .requiredOption('--out <dir>', 'the bundle directory to make (must be empty)')
    .option('--valid-for <duration>', 'how long the keys accept the items, e.g. 12h or 30d', duration('--valid-for', 60, 3650 * 86_400), 7 * 86_400)
    .option('--manufacturer-ca <file>', "the manufacturer root as PEM (default: the simulator's root)")
    .addHelpText(
      'after',
      `
Every row needs column serial, naming a key of the inventory; every key of the inventory must chain to the
manufacturer root. Each row becomes an AccountCreate item encrypted to its key (HPKE) and signed by the issuer,
numbered after the last item sealed for that key (FILE.sequences.json beside the issuer key). The bundle holds
no secret in clear: relay it from any machine with \`hkey provision bundle\`.\n${examples(
        'hkey seal --issuer issuer.key --inventory inventory.jsonl batch.csv --out bundle/',
        'hkey seal --issuer issuer.key --inventory inventory.jsonl batch.json --out bundle/ --valid-for 24h --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/seal.js')).seal));

  program
    .command('receipts')
    .description("check the keys' receipts of a sealed bundle")
    .addHelpText('after', examples('hkey receipts verify --issuer issuer.pub --bundle bundle/ receipts.jsonl'))
    .command('verify <receipts>')
    .description('which items of a bundle landed on which genuine key: applied, refused (with status) or missing')
    .requiredOption('--issuer <file>', "the issuer's public key (issuer.pub) or key file")
    .requiredOption('--bundle <dir>', "the issuer's copy of the bundle")
    .option('--manufacturer-ca <file>', "the manufacturer root as PEM (default: the simulator's root)")
    .addHelpText(
      'after',
      `
Each receipt must be signed by its key's signing key, certified under the manufacturer root. Exit 0 when every
item was applied, 9 when any was refused or is missing, 7 when a receipt is not signed by its key.\n${examples(
        'hkey receipts verify --issuer issuer.pub --bundle bundle/ receipts.jsonl',
        'hkey receipts verify --issuer issuer.pub --bundle bundle/ receipts.jsonl --json',
      )}`,
    )
    .action(run(async () => (await import('./commands/receipts.js')).receiptsVerify));

  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'shell to complete for').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      examples(
        'hkey completion bash > /etc/bash_completion.d/hkey',
        'hkey completion zsh > "${fpath[1]}/_hkey"',
        'hkey completion fish > ~/.config/fish/completions/hkey.fish',
      ),
    )
    .action(
      run(async () => {
        const { completion } = await import('./commands/completion.js');
        return (context: RunContext, shell: Parameters<typeof completion>[1]) => completion(context, shell, buildProgram());
      }),
    );

  program
    .command('conformance')
    .description('run the HKP/1 conformance suite against a key (docs/conformance.md)')
    .option('--control <url>', "the simulator's control API, so cases that need the button or a restart run unattended")
    .addOption(
      new Option('--control-token <token>', "the control API's token (printed by hkey sim; ?token= in the --control URL works too)").env('HKEY_CONTROL_TOKEN'),
    )
    .option('--ble-link <url>', 'also run the BLE cases over a simulator BLE link, e.g. ble-link://127.0.0.1:8112/HK-SIM-000001')
    .option('--json-report <file>', 'write the report as JSON (plain --json prints results as JSON, as everywhere)')
    .option('--junit <file>', 'write the report as JUnit XML')
    .option('--only <groupOrCase...>', 'run only these groups (hid, ble, message, semantics, fido, sealed) or cases (e.g. HID-07, FIDO-09, SEAL-04)')
    .option('--list', 'list the cases and exit', false)
    .option('--destructive', 'also run cases that wipe the key or block its PIN (never the default)', false)
    .option('--interactive', 'ask the operator to press the button and restart the key')
    .option('--no-interactive', 'skip cases that need the operator')
    .option('--timing-tolerance <ms>', 'slack for timing limits measured on the host', integer('--timing-tolerance', 0, 1000), 50)
    .option('--bail', 'stop at the first failure', false)
    .addHelpText(
      'after',
      `
The key's PIN, if any, is read from HKEY_PIN; the control API's token from --control-token, HKEY_CONTROL_TOKEN
or the --control URL. Exit code 1 when any case fails.\n${examples(
        'hkey conformance --list',
        'HKEY_CONTROL_TOKEN=TOKEN hkey -t udp://127.0.0.1:8111 conformance --control http://127.0.0.1:8110 --junit conformance.xml',
        'hkey conformance --ble-link ble-link://127.0.0.1:8112/HK-SIM-000001 --only ble',
      )}`,
    )
    .action(run(async () => (await import('./commands/conformance.js')).conformance));

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
