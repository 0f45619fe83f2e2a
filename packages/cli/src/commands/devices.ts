/** `hkey devices`: every key that answers at the given or default addresses, with its serial and state. */
import { errorCode, errorMessage } from '../cli-error.js';
import { candidateTransports, isPlace, lockPolicy, probeKeys } from '../connect.js';
import { table } from '../output.js';
import { pinText } from '../pin-state.js';
import type { RunContext } from '../context.js';

/** Probe errors that mean "nothing there"; anything else is a key that answered badly and is worth showing. */
const ABSENT = new Set(['NOT_FOUND', 'TIMEOUT', 'DISCONNECTED']);

interface FoundDevice {
  serial: string | null;
  transport: string;
  address: string;
  state: string;
  model?: string;
  firmware?: string;
  pinState?: string;
  locked?: boolean;
  pinRetries?: number;
  accounts?: number;
  battery?: number;
  error?: { code: string; message: string };
}

export async function devices(context: RunContext): Promise<void> {
  const { output, globals } = context;
  const probes = await probeKeys(candidateTransports(globals.transport), lockPolicy(context));
  await Promise.all(probes.map((probe) => probe.key?.close()));
  const found = probes.flatMap(({ url, key, error }): FoundDevice[] => {
    const transport = url.split(':')[0] ?? url;
    if (key !== undefined) {
      const { info } = key;
      const state = `PIN ${pinText(info)}, ${info.accountCount} accounts, battery ${info.battery}%`;
      return [
        {
          serial: info.serial,
          transport,
          address: url,
          state,
          model: info.model,
          firmware: info.firmware,
          pinState: info.pinState,
          locked: info.locked,
          pinRetries: info.pinRetries,
          accounts: info.accountCount,
          battery: info.battery,
        },
      ];
    }
    const code = errorCode(error) ?? 'UNEXPECTED';
    const message = errorMessage(error);
    if (isPlace(url)) {
      // A place that cannot be searched (node-hid or Bluetooth unavailable) matters only when asked for.
      if (globals.transport?.includes(url)) output.warn(`cannot look for keys at ${url}: ${message}`);
      else output.debug(`skipped ${url}: ${message}`);
      return [];
    }
    if (ABSENT.has(code)) return [];
    return [{ serial: null, transport, address: url, state: `unusable: ${message}`, error: { code, message } }];
  });
  const shown = globals.device === undefined ? found : found.filter((device) => device.serial === globals.device);
  output.result(shown, () =>
    shown.length === 0
      ? 'No keys found: start the simulator (`hkey sim`) or plug a key in, or give their addresses with --transport.'
      : table(
          ['serial', 'transport', 'address', 'state'],
          shown.map((device) => [device.serial ?? '?', device.transport, device.address, device.state]),
        ),
  );
}
