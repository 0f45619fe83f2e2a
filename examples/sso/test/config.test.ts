/** The command line of npm run example:sso. */
import { expect, test } from 'vitest';
import { DEFAULT_CONFIG, parseArguments } from '../src/config.js';

test('defaults: port 8130, in memory, alice@example.com, one-minute ceremonies', () => {
  expect(parseArguments([])).toEqual(DEFAULT_CONFIG);
  expect(DEFAULT_CONFIG).toMatchObject({ port: 8130, dataDir: undefined, inviteEmail: 'alice@example.com', ceremonyTimeoutMs: 60_000 });
});

test('options are read', () => {
  expect(parseArguments(['--port', '9000', '--data-dir', '.hkey-sso', '--email', 'Bob@Example.com', '--timeout-ms', '5000'])).toMatchObject({
    port: 9000,
    dataDir: '.hkey-sso',
    inviteEmail: 'bob@example.com',
    ceremonyTimeoutMs: 5000,
  });
});

test.each([
  [['--port', '70000'], '--port takes a whole number from 0 to 65535.'],
  [['--port', '80a'], '--port takes a whole number from 0 to 65535.'],
  [['--timeout-ms', '10'], '--timeout-ms takes a whole number from 1000 to 600000.'],
  [['--email', 'nobody'], '--email takes an e-mail address.'],
  [['--port'], 'Every option takes a value.'],
  [['--secret-thing', 'value'], 'Unknown option.'],
])('%j is refused with one sentence and the usage line, quoting nothing', (argv, message) => {
  expect(() => parseArguments(argv)).toThrow(message);
  try {
    parseArguments(argv);
  } catch (error) {
    expect((error as Error).message).toContain('Usage: npm run example:sso');
    expect((error as Error).message).not.toContain('secret-thing');
    expect((error as { code?: string }).code).toBe('BAD_ARGUMENTS');
  }
});
