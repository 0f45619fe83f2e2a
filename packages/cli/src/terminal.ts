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

/**
 * What arrived after the Enter that ended the previous answer: typed ahead or pasted ("PIN, Enter, PIN, Enter" in one
 * go). The next prompt starts from it instead of losing it.
 */
let typedAhead = '';

/** Reads one line from the terminal in raw mode; `echo` decides whether typed characters are shown. */
function readLine(question: string, echo: boolean): Promise<string> {
  if (!canPrompt()) throw new CliError('USAGE_NO_TTY', 'This needs an answer from a terminal: run it interactively or use the --*-stdin options.');
  const input = process.stdin;
  // Raw mode (no echo) before the question shows: an answer typed the moment the prompt appears is never echoed.
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  // A question may name a key by its serial, which the key itself reported.
  process.stderr.write(terminalText(question));
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      const characters = [...chunk];
      for (const [index, character] of characters.entries()) {
        if (ENTER.has(character)) {
          finish();
          // A CR LF pair is one Enter.
          const rest = characters.slice(character === '\r' && characters[index + 1] === '\n' ? index + 2 : index + 1);
          typedAhead = rest.join('');
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
    const ahead = typedAhead;
    typedAhead = '';
    if (ahead !== '') onData(ahead);
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
