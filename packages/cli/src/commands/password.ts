/** `hkey password NAME|ID`: the stored password, released by the key after a press of its button. */
import { findAccountOrFail } from '../account-fields.js';
import { withKey } from '../connect.js';
import { PRESENCE_WAIT_MS } from '../presence.js';
import type { RunContext } from '../context.js';

export async function password(context: RunContext, nameOrId: string): Promise<void> {
  const { output, globals } = context;
  const result = await withKey(context, async (key) => {
    const account = await findAccountOrFail(key.client, nameOrId, globals.timeout);
    const { password } = await key.client.getPassword(account.id, {
      timeoutMs: globals.timeout + PRESENCE_WAIT_MS,
      onUserPresence: () => output.prompt(`Press the button on key ${key.info.serial} to release the password of ${account.name}...`),
    });
    return { account: account.name, id: account.id, password };
  });
  output.exactResult(result, result.password);
}
