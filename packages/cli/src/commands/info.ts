import { Capability } from '@hkey/protocol';
import { withKey } from '../connect.js';
import { table } from '../output.js';
import { pinText } from '../pin-state.js';
import type { RunContext } from '../context.js';

const CAPABILITY_NAMES = (bits: number): string =>
  (Object.keys(Capability) as (keyof typeof Capability)[]).filter((name) => bits & Capability[name]).join(', ');

/** `hkey info` */
export async function info(context: RunContext): Promise<void> {
  const { output } = context;
  // connect() already read the identity; GetInfo needs no PIN, so this never prompts.
  const result = await withKey(context, async (key) => key.info);
  output.result(result, () =>
    table(
      ['field', 'value'],
      [
        ['serial', result.serial],
        ['model', result.model],
        ['firmware', result.firmware],
        ['protocol', `HKP/${result.protocolVersion}`],
        ['capabilities', CAPABILITY_NAMES(result.capabilities)],
        ['storage', `${result.storageFree} of ${result.storageTotal} bytes free`],
        ['accounts', String(result.accountCount)],
        ['time', `${new Date(Number(result.time) * 1000).toISOString()} (${result.time})`],
        ['battery', `${result.battery}%`],
        ['PIN', pinText(result)],
      ],
    ),
  );
}
