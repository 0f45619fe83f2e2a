import { withKey } from '../connect.js';
import type { RunContext } from '../context.js';

/** `hkey time set UNIX_SECONDS` */
export async function timeSet(context: RunContext, seconds: number): Promise<void> {
  const serial = await withKey(context, async (key) => {
    await key.client.setTime(seconds, { timeoutMs: context.globals.timeout });
    return key.info.serial;
  });
  context.output.result({ serial, time: seconds }, () => `Key ${serial} clock set to ${new Date(seconds * 1000).toISOString()}.`);
}

/** `hkey time sync`: sets the key's clock to this computer's. */
export async function timeSync(context: RunContext): Promise<void> {
  await timeSet(context, Math.floor(Date.now() / 1000));
}
