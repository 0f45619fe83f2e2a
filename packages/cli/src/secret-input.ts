/** Reading secrets without them touching argv, logs or errors. */
import { decodeBase32 } from '@hkey/protocol';
import { CliError } from './cli-error.js';

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('USAGE_STDIN', 'Nothing is piped to standard input: pipe the secret in, e.g. `pass show key | hkey ...`.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A base32 secret (docs/protocol.md §7.3); errors name the position, never the secret. */
export function parseBase32Secret(text: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed === '') throw new CliError('BASE32_EMPTY', 'The secret is empty: pipe the base32 secret to standard input.');
  return decodeBase32(trimmed);
}
