/** Standard input, read once: it can carry one thing per command (a secret, a URI, a password or PINs). */
import { CliError } from './cli-error.js';

let text: Promise<string> | undefined;

/** All of stdin as text; fails when nothing is piped, so a command never hangs on a terminal. */
export function readStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    return Promise.reject(new CliError('USAGE_STDIN', `Nothing is piped to standard input: pipe ${what} in, e.g. \`pass show key | hkey ...\`.`));
  }
  text ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  })();
  return text;
}

/** The non-empty lines of stdin, without their line endings. */
export async function readStdinLines(what: string): Promise<string[]> {
  return (await readStdin(what)).split(/\r?\n/).filter((line) => line !== '');
}
