/**
 * Talking to the person at the terminal: hidden prompts for PINs and secrets (no echo, nothing kept in any
 * history) and yes/no confirmations. Prompts go to stderr; answers come from stdin, which must be a TTY.
 */
import { CliError, interrupted } from './cli-error.js';
import { terminalText } from './terminal-text.js';

/** Whether a person can answer prompts: stdin and stderr are both terminals. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const BACKSPACE = new Set(['\u007f', '\b']);

/** Reads one line from the terminal in raw mode; `echo` decides whether typed characters are shown. */
function readLine(question: string, echo: boolean): Promise<string> {
  if (!canPrompt()) throw new CliError('USAGE_NO_TTY', 'This needs an answer from a terminal: run it interactively or use the --*-stdin options.');
  const input = process.stdin;
  // A question may name a key by its serial, which the key itself reported.
  process.stderr.write(terminalText(question));
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const character of chunk) {
        if (ENTER.has(character)) {
          finish();
          return resolve(value);
        }
        if (character === CTRL_C || (character === CTRL_D && value === '')) {
          finish();
          return reject(interrupted());
        }
        if (BACKSPACE.has(character)) {
          if (value.length > 0 && echo) process.stderr.write('\b \b');
          value = [...value].slice(0, -1).join('');
        } else if (character === CTRL_U) {
          value = '';
        } else if (character >= ' ') {
          value += character;
          if (echo) process.stderr.write(character);
        }
      }
    };
    input.on('data', onData);
  });
}

/** A prompt whose answer is never shown on the screen (PINs, OTP secrets, passwords). */
export function promptHidden(question: string): Promise<string> {
  return readLine(question, false);
}

/** Asks a yes/no question; anything but y or yes is no. */
export async function confirm(question: string): Promise<boolean> {
  const answer = await readLine(`${question} [y/N] `, true);
  return /^(y|yes)$/i.test(answer.trim());
}
