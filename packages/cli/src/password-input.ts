/** Account passwords to store on the key: from standard input or a hidden prompt, never from argv. */
import { CliError } from './cli-error.js';
import { readStdin } from './stdin.js';
import { promptHidden } from './terminal.js';

export interface PasswordOptions {
  passwordStdin?: boolean;
  passwordPrompt?: boolean;
}

/** The password the options ask for, or undefined when they ask for none. */
export async function readPassword(options: PasswordOptions): Promise<string | undefined> {
  // One trailing line break is how `echo` and most password managers end their output; it is not part of the password.
  if (options.passwordStdin) return (await readStdin('the password')).replace(/\r?\n$/, '');
  if (!options.passwordPrompt) return undefined;
  const password = await promptHidden('Account password (hidden): ');
  if ((await promptHidden('Repeat the password: ')) !== password)
    throw new CliError('USAGE_PASSWORD_MISMATCH', 'The two passwords differ; run the command again.');
  return password;
}
