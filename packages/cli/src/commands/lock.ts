/** `hkey lock`: locks the key's session, so commands need the PIN again. */
import { withKey } from '../connect.js';
import type { RunContext } from '../context.js';

export async function lock(context: RunContext): Promise<void> {
  const info = await withKey(context, async (key) => {
    await key.client.lock({ timeoutMs: context.globals.timeout });
    return key.info;
  });
  const hasPin = info.pinState !== 'NOT_SET';
  context.output.result({ serial: info.serial, locked: hasPin }, () =>
    hasPin
      ? `Key ${info.serial} locked: commands need the PIN again.`
      : `Key ${info.serial} has no PIN, so there is nothing to lock; set one with \`hkey pin set\`.`,
  );
}
