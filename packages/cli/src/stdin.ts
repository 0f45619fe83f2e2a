/** Standard input, read once: it can carry one thing per command (a secret, a URI, a password or PINs). */
import { CliError } from './cli-error.js';

// Keyed by the stream rather than held in one variable, so a program that runs `main()` more than once with a
// different process.stdin (the CLI fuzzer does) reads each one.
const texts = new WeakMap<NodeJS.ReadableStream, Promise<string>>();

/** All of stdin as text; fails when nothing is piped, so a command never hangs on a terminal. */
export function readStdin(what: string): Promise<string> {
  const input = process.stdin;
  if (input.isTTY) {
    return Promise.reject(new CliError('USAGE_STDIN', `Nothing is piped to standard input: pipe ${what} in, e.g. \`pass show key | hkey ...\`.`));
  }
  let text = texts.get(input);
  if (text === undefined) {
    text = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of input) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    })();
    texts.set(input, text);
  }
  return text;
}

/** The non-empty lines of stdin, without their line endings. */
export async function readStdinLines(what: string): Promise<string[]> {
  return (await readStdin(what)).split(/\r?\n/).filter((line) => line !== '');
}
