/**
 * Fuzzing the CLI's arguments and standard input (docs/reliability.md): random command lines built from the real
 * command tree (every command but the two servers, `sim` and `bridge`), with plausible and hostile argument and
 * option values and a standard input of their own, run through `main()` in-process. Most run against a persistent
 * virtual key (`--transport virtual`, state in a temp file, PIN from HKEY_PIN), the rest against addresses where
 * nothing answers. Each must finish within CASE_TIMEOUT_MS with a documented exit code, print no stack trace
 * without --verbose, and never print or write the planted OTP secret or PIN; the virtual key's state file must
 * load after every case, with no temporary file left behind.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FileStore } from '@hkey/firmware-sim/node';
import { buildProgram, main } from '../../packages/cli/src/program.js';
import { filesUnder, findLeaks, freshSecret } from '../../packages/cli/test/secret-scan.js';
import { casesFor, fuzzSeed, printReport, record, timeoutFor } from './fuzz/budget.js';

const TARGET = 'CLI command lines';
const CASES = casesFor(TARGET);
const CASE_TIMEOUT_MS = 10_000;
/** ExitCode of packages/cli/src/exit-codes.ts without 1 ("unexpected failure"), which no input may cause. */
const DOCUMENTED_EXIT_CODES = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 130]);
/** Servers: a valid command line never ends. */
const SERVER_COMMANDS = new Set(['sim', 'bridge']);
/** Every case names its transport itself; a random one could be a real radio (ble) or a slow DNS lookup. */
const TRANSPORT_FLAGS = new Set(['--transport', '-t']);
const FILE_OPTIONS = new Set(['--audit', '--json-report', '--junit', '--uri-file', '--qr']);

/** commander's Command, as the CLI's own copy of commander types it. */
type Command = ReturnType<typeof buildProgram>;

const startDir = process.cwd();
const base = join(tmpdir(), `hkey-cli-fuzz-${process.pid}`);
const workDir = join(base, 'work'); // the cwd: relative files a command writes land here and are scanned
const inputDir = join(base, 'inputs');
const statePath = join(base, 'state', 'virtual-key.json');
const planted = freshSecret();
const plantedPin = String(randomInt(10_000_000, 100_000_000));
const inputs = {
  uriFile: join(inputDir, 'account.uri'),
  notAnImage: join(inputDir, 'screenshot.png'),
  batch: join(inputDir, 'batch.csv'),
  badBatch: join(inputDir, 'bad.csv'),
};

interface OptionShape {
  readonly flag: string;
  readonly takesValue: boolean;
  readonly choices?: readonly string[];
}

interface ArgumentShape {
  readonly name: string;
  readonly choices?: readonly string[];
}

interface CommandShape {
  readonly path: readonly string[];
  readonly arguments: readonly ArgumentShape[];
  readonly options: readonly OptionShape[];
}

function optionShapes(command: Command): OptionShape[] {
  return command.options.flatMap((option) =>
    [option.long, option.short]
      .filter((flag): flag is string => flag !== undefined && !TRANSPORT_FLAGS.has(flag))
      .map((flag) => ({ flag, takesValue: option.required || option.optional, choices: option.argChoices })),
  );
}

function commandShapes(program: Command): CommandShape[] {
  const shapes: CommandShape[] = [];
  const walk = (command: Command, path: readonly string[]): void => {
    for (const sub of command.commands) {
      if (SERVER_COMMANDS.has(sub.name())) continue;
      const subPath = [...path, sub.name()];
      shapes.push({
        path: subPath,
        arguments: sub.registeredArguments.map((argument) => ({ name: argument.name(), choices: argument.argChoices })),
        options: optionShapes(sub),
      });
      walk(sub, subPath);
    }
  };
  walk(program, []);
  return shapes;
}

const program = buildProgram();
const shapes = commandShapes(program);
const globalOptions = [...optionShapes(program), { flag: '--help', takesValue: false }];

const hostile = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '-',
    '--',
    '0',
    '-1',
    '99999999999999999999',
    '1e3',
    'NaN',
    'sha3',
    'hotp',
    'otpauth://totp/x?secret=!!',
    'JBSWY3DP!',
    '\u0000',
    '%00',
    'udp://',
    'ws://[',
    'é'.repeat(70),
    '--json',
  ),
  fc.integer({ min: -5, max: 100_000 }).map(String),
);
// File names stay inside the fuzz directory: hostile names relative to the cwd, plus a few fixed odd ones.
const hostileFile = fc.oneof(
  fc.string({ maxLength: 20 }).map((name) => name.replaceAll('/', '_')),
  fc.constantFrom('', '.', '/nonexistent/dir/file', 'missing/dir/file.json', '../escape.csv'),
);

const ARGUMENT_VALUES: Readonly<Record<string, readonly string[]>> = {
  nameOrId: ['github', 'mail', '1', '2', '999'],
  unixSeconds: ['2000000000', '0', '1700000000'],
  file: [inputs.batch, inputs.badBatch],
};

const OPTION_VALUES: Readonly<Record<string, readonly string[]>> = {
  '--name': ['github', 'mail', 'x'.repeat(64)],
  '--login': ['alice@example.com'],
  '--url': ['https://example.com'],
  '--app': ['ssh'],
  '--issuer': ['Example'],
  '--account': ['alice@example.com'],
  '--digits': ['6', '8'],
  '--period': ['30', '60'],
  '--counter': ['0', '7'],
  '--max-retries': ['3', '8'],
  '--timeout': ['2000'],
  '--device': ['HK-VIRTUAL-1'],
  '-d': ['HK-VIRTUAL-1'],
  '--uri-file': [inputs.uriFile],
  '--qr': [inputs.notAnImage],
  '--secret-argv': [planted.base32],
  '--audit': ['audit.jsonl'],
  '--json-report': ['report.json'],
  '--junit': ['report.xml'],
  '--only': ['hid', 'HID-07', 'semantics'],
  '--control': ['http://127.0.0.1:9'],
  '--ble-link': ['ble-link://127.0.0.1:9/HK-SIM-000001'],
  '--timing-tolerance': ['50'],
};

function valueFor(option: OptionShape): fc.Arbitrary<string> {
  const plausible = option.choices ?? OPTION_VALUES[option.flag] ?? [];
  const wrong = FILE_OPTIONS.has(option.flag) ? hostileFile : hostile;
  return plausible.length === 0 ? wrong : fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...plausible) }, { weight: 1, arbitrary: wrong });
}

function optionsOf(options: readonly OptionShape[], maxCount: number): fc.Arbitrary<string[]> {
  if (options.length === 0) return fc.constant([]);
  const one = fc
    .constantFrom(...options)
    .chain((option): fc.Arbitrary<string[]> => (option.takesValue ? valueFor(option).map((value) => [option.flag, value]) : fc.constant([option.flag])));
  return fc.array(one, { maxLength: maxCount }).map((picked) => picked.flat());
}

function argumentsOf(shape: CommandShape): fc.Arbitrary<string[]> {
  const values = shape.arguments.map(({ name, choices }) => {
    const known = choices ?? ARGUMENT_VALUES[name] ?? [];
    const wrong = name === 'file' ? hostileFile : hostile;
    return fc.oneof(
      { weight: 6, arbitrary: known.length > 0 ? fc.constantFrom(...known) : wrong },
      { weight: 2, arbitrary: wrong },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  });
  const extra = fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostile });
  return fc.tuple(fc.tuple(...values), extra).map(([given, junk]) => [...given, junk].filter((value): value is string => value !== undefined));
}

/** What a case pipes in, named so that a failure report shows which input it was without the planted secrets. */
const stdinText = fc.oneof(
  fc.constant({ name: 'nothing', text: '' }),
  fc.constant({ name: 'the base32 secret', text: `${planted.base32}\n` }),
  fc.constant({ name: 'the secret in lower case with spaces', text: planted.base32.toLowerCase().replace(/(.{4})/g, '$1 ') }),
  fc.constant({ name: 'a TOTP otpauth URI', text: `otpauth://totp/Example:alice?secret=${planted.base32}&issuer=Example\n` }),
  fc.constant({ name: 'a HOTP otpauth URI', text: `otpauth://hotp/Example:bob?secret=${planted.base32}&counter=3\n` }),
  fc.constant({ name: 'the PIN', text: `${plantedPin}\n` }),
  fc.constant({ name: 'the PIN twice', text: `${plantedPin}\n${plantedPin}\n` }),
  fc.constant({ name: 'the PIN, then 12345678', text: `${plantedPin}\n12345678\n` }),
  fc.constant({ name: 'two wrong PINs', text: '0000\n1234\n' }),
  fc.constant({ name: 'a password', text: 'correct horse battery staple\n' }),
  hostile.map((text) => ({ name: `junk ${JSON.stringify(text)}`, text })),
);

const transport = fc.oneof(
  { weight: 14, arbitrary: fc.constant('virtual') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'udp://127.0.0.1:9',
      'tcp://127.0.0.1:9',
      'ws://127.0.0.1:9',
      'ble-link://127.0.0.1:9/HK-SIM-000001',
      'fuzz://nowhere',
      'udp://',
      'ws://[',
      '',
    ),
  },
);

const commandLine = fc
  .record({
    shape: fc.constantFrom(...shapes),
    globals: optionsOf(globalOptions, 2),
    transport,
    stdin: stdinText,
    freshState: fc.integer({ min: 0, max: 9 }).map((draw) => draw === 0),
  })
  .chain((parts) =>
    fc.tuple(argumentsOf(parts.shape), optionsOf(parts.shape.options, 4)).map(([positionals, options]) => {
      const argv = [...parts.globals, ...parts.shape.path, ...positionals, ...options];
      return { ...parts, argv, transport: transportFor(parts.shape, argv, parts.transport) };
    }),
  );

/** Where a command line may run without waiting for ever, as some rightly do. */
function transportFor(shape: CommandShape, argv: readonly string[], drawn: string): string {
  // Conformance against the in-process key would run the whole suite; CI runs it for real (.ci/conformance).
  if (shape.path[0] === 'conformance') return drawn === 'virtual' ? 'udp://127.0.0.1:9' : drawn;
  // One key at a time waits for the technician to bring the key a row needs; only the virtual key is ever there.
  if (shape.path[0] === 'provision' && !argv.includes('--parallel') && !argv.includes('--dry-run')) return 'virtual';
  return drawn;
}

interface Captured {
  stdout: string;
  stderr: string;
}

const stdinDescriptor = Object.getOwnPropertyDescriptor(process, 'stdin')!;
const realStdout = process.stdout.write.bind(process.stdout);
const realStderr = process.stderr.write.bind(process.stderr);

async function runHkey(argv: readonly string[], stdin: string): Promise<{ code: number; output: Captured }> {
  const output: Captured = { stdout: '', stderr: '' };
  const into = (stream: keyof Captured) =>
    ((chunk: string | Uint8Array) => {
      output[stream] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
  Object.defineProperty(process, 'stdin', { value: Readable.from([Buffer.from(stdin)]), configurable: true });
  process.exitCode = undefined;
  process.stdout.write = into('stdout');
  process.stderr.write = into('stderr');
  let timer: NodeJS.Timeout | undefined;
  try {
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
    });
    await Promise.race([main(['node', 'hkey', ...argv]), hung]);
  } finally {
    clearTimeout(timer);
    process.stdout.write = realStdout;
    process.stderr.write = realStderr;
    Object.defineProperty(process, 'stdin', stdinDescriptor);
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, output };
}

beforeAll(() => {
  rmSync(base, { recursive: true, force: true });
  for (const dir of [workDir, inputDir, dirname(statePath)]) mkdirSync(dir, { recursive: true });
  writeFileSync(inputs.uriFile, `otpauth://totp/Example:carol?secret=${planted.base32}&issuer=Example\n`);
  writeFileSync(inputs.notAnImage, 'not a PNG');
  // One unassigned row: one key at a time would otherwise wait for a second key (by design) and never end.
  writeFileSync(inputs.batch, `name,login,secret\nbatch-row,dave@example.com,${planted.base32}\n`);
  writeFileSync(inputs.badBatch, `name,secert\nx,${planted.base32}\n`);
  process.env.HKEY_VIRTUAL_STATE = statePath;
  process.env.HKEY_PIN = plantedPin;
  delete process.env.HKEY_TRANSPORT;
  delete process.env.HKEY_STATE_PASSPHRASE;
  process.chdir(workDir);
});

afterAll(() => {
  process.chdir(startDir);
  delete process.env.HKEY_VIRTUAL_STATE;
  delete process.env.HKEY_PIN;
  rmSync(base, { recursive: true, force: true });
  printReport();
});

/** Every file a command may have written: all under the fuzz directory but the inputs and the (plain) state. */
function writtenFiles(): Promise<string[]> {
  return filesUnder(base, (path) => path.startsWith(inputDir) || path.startsWith(dirname(statePath)));
}

async function checkStateFile(): Promise<void> {
  await new FileStore(statePath).load(); // throws StateFileError when damaged
  const strays = readdirSync(dirname(statePath)).filter((name) => name !== 'virtual-key.json');
  if (strays.length > 0) throw new Error(`files left beside the state file: ${strays.join(', ')}`);
}

test(
  `CLI arguments and stdin: ${CASES} random command lines end with a documented exit code, no stack trace and no secret`,
  async () => {
    const exitCodes = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(commandLine, async (line) => {
        if (line.freshState) rmSync(statePath, { force: true });
        const argv = [...line.argv, '--transport', line.transport];
        const where = `hkey ${JSON.stringify(argv).replaceAll(planted.base32, '<planted secret>')} with ${line.stdin.name} on stdin`;
        const { code, output } = await runHkey(argv, line.stdin.text).catch((error: unknown) => {
          throw new Error(`${where}: ${String(error)}`);
        });
        exitCodes.set(code, (exitCodes.get(code) ?? 0) + 1);
        const printed = `${output.stdout}${output.stderr}`;
        if (!DOCUMENTED_EXIT_CODES.has(code)) throw new Error(`${where} exited ${code}: ${printed.slice(0, 400)}`);
        if (!argv.includes('--verbose') && !argv.includes('-v') && /\n\s+at .+:\d+:\d+/.test(printed)) throw new Error(`${where} printed a stack trace`);
        // `hkey password` prints the stored password, which a case may have set to any text it piped in.
        const scanned = line.shape.path[0] === 'password' ? [output.stderr] : [output.stdout, output.stderr];
        const leaks = await findLeaks({ secrets: [planted.bytes], texts: [plantedPin], outputs: scanned, files: await writtenFiles() });
        if (leaks.length > 0) throw new Error(`${where} let the planted secret out: ${leaks.map((leak) => `${leak.where} ${leak.form}`).join('; ')}`);
        if (line.transport === 'virtual') await checkStateFile();
      }),
      { numRuns: CASES, seed: fuzzSeed },
    );
    const codes = [...exitCodes].sort(([a], [b]) => a - b).map(([code, count]) => `${code}: ${count}`);
    record(TARGET, CASES, performance.now() - started, `${shapes.length} commands; exit codes ${codes.join(', ')}`);
    // Many lines must get past argument checking to the key, or the fuzzer would only be testing commander.
    if (CASES >= 500) expect(exitCodes.get(0) ?? 0).toBeGreaterThan(CASES / 5);
  },
  timeoutFor(TARGET, 300_000),
);
