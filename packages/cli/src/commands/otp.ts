/** `hkey otp NAME|ID`: the current code, computed on the key. */
import { CliError } from '../cli-error.js';
import { withClient } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import type { RunContext } from '../program.js';

export async function otp({ output, globals }: RunContext, nameOrId: string): Promise<void> {
  const result = await withClient(globals, async (client) => {
    const account = await client.findAccount(nameOrId, { timeoutMs: globals.timeout });
    if (account === undefined) throw new CliError('ACCOUNT_NOT_FOUND', `No account "${nameOrId}" on this key: see \`hkey accounts list --all\`.`, ExitCode.DEVICE_REFUSED);
    const code = await client.getOtp(account.id, { timeoutMs: globals.timeout, onUserPresence: () => output.info('Touch the key to confirm...') });
    return { account: account.name, id: account.id, ...code };
  });
  output.result(result, () => result.code);
}
