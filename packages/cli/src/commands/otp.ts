/** `hkey otp NAME|ID`: the current code, computed on the key. */
import { findAccountOrFail } from '../account-fields.js';
import { withKey } from '../connect.js';
import type { RunContext } from '../context.js';
import { PRESENCE_WAIT_MS } from '../presence.js';

export async function otp(context: RunContext, nameOrId: string): Promise<void> {
  const { output, globals } = context;
  const result = await withKey(context, async (key) => {
    const account = await findAccountOrFail(key.client, nameOrId, globals.timeout);
    const code = await key.client.getOtp(account.id, {
      timeoutMs: globals.timeout + PRESENCE_WAIT_MS,
      onUserPresence: () => output.prompt(`Press the button on key ${key.info.serial} to get the code of ${account.name}...`),
    });
    return { account: account.name, id: account.id, ...code };
  });
  output.result(result, () => result.code);
}
