/** `hkey wipe`: erases the key after a 10-second button hold; the only way out of a blocked PIN. */
import { withKey } from '../connect.js';
import { PRESENCE_WAIT_MS } from '../presence.js';
import type { RunContext } from '../context.js';
import { canPrompt, confirm } from '../terminal.js';

export async function wipe(context: RunContext, options: { yes?: boolean }): Promise<void> {
  const { output, globals } = context;
  const result = await withKey(context, async (key) => {
    const { serial, accountCount } = key.info;
    output.prompt(
      `Wiping key ${serial} erases its ${accountCount} account(s), their OTP secrets and passwords, and the PIN; the serial and clock stay.\n` +
        "To confirm, hold the key's button for 10 seconds when it blinks; releasing it earlier cancels and erases nothing.",
    );
    if (!options.yes && canPrompt() && !(await confirm(`Wipe key ${serial}?`))) return undefined;
    await key.client.wipe({
      timeoutMs: globals.timeout + PRESENCE_WAIT_MS,
      onUserPresence: () => output.prompt(`Hold the button on key ${serial} now, for 10 seconds...`),
    });
    return { serial, wiped: true };
  });
  if (result === undefined) {
    output.info('Nothing erased.');
    return;
  }
  output.result(result, () => `Key ${result.serial} wiped: no accounts, no PIN.`);
}
