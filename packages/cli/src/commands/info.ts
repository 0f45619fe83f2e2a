import { Capability } from '@hkey/protocol';
import { withClient } from '../connect.js';
import { table } from '../output.js';
import type { RunContext } from '../program.js';

const CAPABILITY_NAMES = (bits: number): string =>
  (Object.keys(Capability) as (keyof typeof Capability)[]).filter((name) => bits & Capability[name]).join(', ');

/** `hkey info` */
export async function info({ output, globals }: RunContext): Promise<void> {
  const result = await withClient(globals, (client) => client.getInfo({ timeoutMs: globals.timeout }));
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
        ['PIN', result.pinState === 'NOT_SET' ? 'not set' : `${result.pinState.toLowerCase()}, ${result.pinRetries} of ${result.pinMaxRetries} attempts left${result.locked ? ', locked' : ''}`],
      ],
    ),
  );
}
