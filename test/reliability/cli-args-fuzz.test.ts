/**
 * Fuzzing the CLI's arguments: random command lines built from the real command tree, its options and hostile
 * values run through `main()` in-process against an unreachable transport. Every run must end with a documented
 * exit code other than "unexpected failure", never throw, and print no stack trace without --verbose.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, test } from 'vitest';
import { buildProgram, main } from '../../packages/cli/src/program.js';

const CASES = Number(process.env.HKEY_FUZZ_CLI_CASES ?? 5000);
const DOCUMENTED_EXIT_CODES = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 130]);
// Servers, stdin readers and prompts are left out: a fuzz case must finish on its own.
const EXCLUDED_COMMANDS = new Set(['sim', 'bridge']);
const EXCLUDED_OPTIONS = new Set(['--secret-stdin', '--uri-stdin', '--pin-stdin', '--password-prompt', '--interactive', '--help', '-h', '--version', '-V']);

interface CommandShape {
  path: string[];
  options: string[];
}

function commandShapes(): CommandShape[] {
  const shapes: CommandShape[] = [];
  const walk = (command: ReturnType<typeof buildProgram>, path: string[]): void => {
    for (const sub of command.commands) {
      if (EXCLUDED_COMMANDS.has(sub.name())) continue;
      const subPath = [...path, sub.name()];
      const options = sub.options.flatMap((option) => [option.long, option.short]).filter((flag): flag is string => flag !== undefined && !EXCLUDED_OPTIONS.has(flag));
      shapes.push({ path: subPath, options });
      walk(sub, subPath);
    }
  };
  walk(buildProgram(), []);
  return shapes;
}

const shapes = commandShapes();
const globalOptions = ['--json', '--quiet', '-q', '--device', '--timeout', '--verbose'];
const hostile = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '-', '--', '0', '-1', '99999999999999999999', '1e3', 'NaN', 'sha3', 'hotp', '../../etc/passwd', '/nonexistent/file.csv', 'otpauth://totp/x?secret=!!', 'JBSWY3DP!', '\u0000', '%00', 'udp://', 'ws://[', 'é'.repeat(70)),
  fc.integer({ min: -5, max: 100_000 }).map(String),
);

let captured = '';
const realStdout = process.stdout.write.bind(process.stdout);
const realStderr = process.stderr.write.bind(process.stderr);
const capture = ((chunk: string | Uint8Array) => {
  captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return true;
}) as typeof process.stdout.write;

beforeAll(() => {
  process.env.HKEY_TRANSPORT = 'fuzz://nowhere';
  process.env.HKEY_VIRTUAL_STATE = '/nonexistent/hkey-fuzz-state.json';
});

afterAll(() => {
  process.stdout.write = realStdout;
  process.stderr.write = realStderr;
  delete process.env.HKEY_TRANSPORT;
});

test(`CLI arguments: ${CASES} random command lines end with a documented exit code and no stack trace`, async () => {
  const exitCodes = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...shapes),
      fc.array(fc.oneof(fc.constantFrom(...globalOptions), hostile), { maxLength: 3 }),
      fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: hostile }), { maxLength: 3 }),
      fc.array(fc.tuple(fc.nat(), fc.option(hostile, { nil: undefined })), { maxLength: 4 }),
      async (shape, globals, positionals, picks) => {
        const options = picks.flatMap(([index, value]) => {
          const flag = shape.options[index % Math.max(1, shape.options.length)];
          if (flag === undefined) return [];
          return value === undefined ? [flag] : [flag, value];
        });
        const argv = [...globals, ...shape.path, ...positionals.filter((item): item is string => item !== undefined), ...options, '--transport', 'fuzz://nowhere'];
        captured = '';
        process.exitCode = undefined;
        process.stdout.write = capture;
        process.stderr.write = capture;
        try {
          await main(['node', 'hkey', ...argv]);
        } finally {
          process.stdout.write = realStdout;
          process.stderr.write = realStderr;
        }
        const code = Number(process.exitCode ?? 0);
        process.exitCode = undefined;
        exitCodes.set(code, (exitCodes.get(code) ?? 0) + 1);
        if (!DOCUMENTED_EXIT_CODES.has(code)) throw new Error(`hkey ${JSON.stringify(argv)} exited ${code}: ${captured.slice(0, 400)}`);
        if (!argv.includes('--verbose') && /\n\s+at .+:\d+:\d+/.test(captured)) throw new Error(`hkey ${JSON.stringify(argv)} printed a stack trace`);
      },
    ),
    { numRuns: CASES },
  );
  process.exitCode = undefined;
  console.log(`CLI argument fuzz: ${CASES} command lines over ${shapes.length} commands; exit codes ${JSON.stringify(Object.fromEntries(exitCodes))}`);
}, 300_000);
