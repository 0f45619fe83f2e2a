/**
 * The relying party's fixed identity and limits. The origin and rpID come from here, never from a request: a
 * WebAuthn response is only accepted for exactly this origin, and pages are only served under its host name.
 */
import { SsoError } from './errors.js';

export interface SsoConfig {
  /** Port on 127.0.0.1; 0 picks a free one (tests). */
  readonly port: number;
  readonly rpName: string;
  /** Where the database file goes; undefined keeps everything in memory. */
  readonly dataDir: string | undefined;
  /** The invitation printed at start goes to this address. */
  readonly inviteEmail: string;
  /** How long a browser may take over one security-key ceremony; the challenge lives a little longer. */
  readonly ceremonyTimeoutMs: number;
  readonly invitationTtlMs: number;
  readonly sessionTtlMs: number;
}

export const DEFAULT_PORT = 8130;

export const DEFAULT_CONFIG: SsoConfig = {
  port: DEFAULT_PORT,
  rpName: 'hkey SSO example',
  dataDir: undefined,
  inviteEmail: 'alice@example.com',
  ceremonyTimeoutMs: 60_000,
  invitationTtlMs: 24 * 60 * 60_000,
  sessionTtlMs: 8 * 60 * 60_000,
};

/** The origin a browser sees; rpID is its host name. */
export function originOf(port: number): { origin: string; rpID: string; host: string } {
  return { origin: `http://localhost:${port}`, rpID: 'localhost', host: `localhost:${port}` };
}

const USAGE = 'Usage: npm run example:sso -- [--port PORT] [--data-dir DIR] [--email ADDRESS] [--timeout-ms MS]';

/** Reads the command line; anything unknown or malformed is an SsoError carrying the usage line. */
export function parseArguments(argv: readonly string[]): SsoConfig {
  let config: SsoConfig = DEFAULT_CONFIG;
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (value === undefined) throw new SsoError('BAD_ARGUMENTS', 400, `Every option takes a value. ${USAGE}`);
    switch (flag) {
      case '--port':
        config = { ...config, port: integer(value, 0, 65535, '--port') };
        break;
      case '--data-dir':
        config = { ...config, dataDir: value };
        break;
      case '--email':
        if (!/^[^\s@]+@[^\s@]+$/.test(value)) throw new SsoError('BAD_ARGUMENTS', 400, `--email takes an e-mail address. ${USAGE}`);
        config = { ...config, inviteEmail: value.toLowerCase() };
        break;
      case '--timeout-ms':
        config = { ...config, ceremonyTimeoutMs: integer(value, 1000, 600_000, '--timeout-ms') };
        break;
      default:
        throw new SsoError('BAD_ARGUMENTS', 400, `Unknown option. ${USAGE}`);
    }
  }
  return config;
}

function integer(text: string, min: number, max: number, flag: string): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < min || value > max)
    throw new SsoError('BAD_ARGUMENTS', 400, `${flag} takes a whole number from ${min} to ${max}. ${USAGE}`);
  return value;
}
