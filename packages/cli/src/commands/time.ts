import { withClient } from '../connect.js';
import type { RunContext } from '../program.js';

/** `hkey time set UNIX_SECONDS` */
export async function timeSet({ output, globals }: RunContext, seconds: number): Promise<void> {
  await withClient(globals, (client) => client.setTime(seconds, { timeoutMs: globals.timeout }));
  output.result({ time: seconds }, () => `Key clock set to ${new Date(seconds * 1000).toISOString()}.`);
}

/** `hkey time sync`: sets the key's clock to this computer's. */
export async function timeSync(context: RunContext): Promise<void> {
  await timeSet(context, Math.floor(Date.now() / 1000));
}
