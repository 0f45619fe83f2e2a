/**
 * `hkey fido info|pin|reset`: the key's security-key side (FIDO2 / U2F, docs/protocol.md §9), in the spirit of
 * `ykman fido`. Credentials are in fido-credentials.ts; the connection, exit codes and PINs in fido-session.ts.
 */
import { CoseAlgorithm } from '@hkey/protocol';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { table } from '../output.js';
import { PRESENCE_WAIT_MS } from '../presence.js';
import type { RunContext } from '../context.js';
import { canPrompt, confirm } from '../terminal.js';
import { FidoPinReader, withFido } from './fido-session.js';

const ALGORITHM_NAMES = new Map<number, string>(Object.entries(CoseAlgorithm).map(([name, id]) => [id, name]));

/** An AAGUID as the usual 8-4-4-4-12 UUID text. */
function uuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `hkey fido info` */
export async function fidoInfo(context: RunContext): Promise<void> {
  const { globals, output } = context;
  const result = await withFido(context, async ({ serial, fido }) => {
    const info = await fido.getInfo({ timeoutMs: globals.timeout });
    const pinSet = info.options.clientPin === true;
    const retries = pinSet ? (await fido.clientPin.getRetries({ timeoutMs: globals.timeout })).retries : undefined;
    return {
      serial,
      versions: info.versions,
      aaguid: uuid(info.aaguid),
      pinSet,
      pinRetries: retries,
      minPinLength: info.minPinLength,
      pinUvAuthProtocols: info.pinUvAuthProtocols,
      algorithms: info.algorithms.map((alg) => ALGORITHM_NAMES.get(alg) ?? String(alg)),
      extensions: info.extensions,
      transports: info.transports,
      remainingDiscoverableCredentials: info.remainingDiscoverableCredentials,
      options: info.options,
    };
  });
  output.result(result, () =>
    table(
      ['field', 'value'],
      [
        ['serial', result.serial],
        ['versions', result.versions.join(', ')],
        ['AAGUID', result.aaguid],
        ['PIN', result.pinSet ? `set, ${result.pinRetries} attempts left` : 'not set'],
        ['minimum PIN length', String(result.minPinLength)],
        ['PIN/UV protocols', result.pinUvAuthProtocols.join(', ')],
        ['algorithms', result.algorithms.join(', ')],
        ['extensions', result.extensions.join(', ')],
        ['transports', result.transports.join(', ')],
        ['discoverable credentials left', result.remainingDiscoverableCredentials === undefined ? 'unknown' : String(result.remainingDiscoverableCredentials)],
      ],
    ),
  );
}

/** `hkey fido pin retries` */
export async function fidoPinRetries(context: RunContext): Promise<void> {
  const { globals, output } = context;
  const result = await withFido(context, async ({ serial, fido }) => ({ serial, ...(await fido.clientPin.getRetries({ timeoutMs: globals.timeout })) }));
  const powerCycle = result.powerCycleRequired ? '; three wrong in a row: unplug the key and plug it in again before the next try' : '';
  output.result(result, () => `Key ${result.serial}: ${result.retries} FIDO PIN attempts left${powerCycle}.`);
}

/** `hkey fido pin set` */
export async function fidoPinSet(context: RunContext): Promise<void> {
  const { globals, output } = context;
  const pin = await new FidoPinReader(globals.pinStdin).fresh('New FIDO PIN: ', process.env.HKEY_FIDO_PIN || undefined);
  const serial = await withFido(context, async ({ serial, fido }) => {
    await fido.clientPin.setPin(pin, { timeoutMs: globals.timeout });
    return serial;
  });
  output.result({ serial, pinSet: true }, () => `FIDO PIN set on key ${serial}.`);
}

/** `hkey fido pin change` */
export async function fidoPinChange(context: RunContext): Promise<void> {
  const { globals, output } = context;
  const pins = new FidoPinReader(globals.pinStdin);
  const currentPin = await pins.current('Current FIDO PIN: ');
  const newPin = await pins.fresh('New FIDO PIN: ', process.env.HKEY_FIDO_NEW_PIN || undefined);
  const serial = await withFido(context, async ({ serial, fido }) => {
    await fido.clientPin.changePin(currentPin, newPin, { timeoutMs: globals.timeout });
    return serial;
  });
  output.result({ serial, changed: true }, () => `FIDO PIN of key ${serial} changed.`);
}

export const RESET_EXPLANATION =
  'A FIDO reset erases every credential of the security key (passkeys and security-key logins) and its FIDO PIN; ' +
  'OTP accounts, passwords and the HKP PIN stay. A key allows it only within 10 seconds of being plugged in, and ' +
  'only with a touch: unplug the key, plug it back in, run this command at once and press the button when it ' +
  'blinks. (With --transport virtual the key powers up with the command, so the window is open.)';

/** `hkey fido reset` */
export async function fidoReset(context: RunContext, options: { force?: boolean }): Promise<void> {
  const { globals, output } = context;
  if (!options.force && !canPrompt()) {
    throw new CliError('USAGE_CONFIRM', 'hkey fido reset erases every FIDO credential: without a terminal to confirm on, give --force.', ExitCode.USAGE);
  }
  const result = await withFido(context, async ({ serial, fido }) => {
    output.prompt(RESET_EXPLANATION);
    if (!options.force && !(await confirm(`Erase every FIDO credential and the FIDO PIN of key ${serial}?`))) return undefined;
    await fido.reset({
      timeoutMs: globals.timeout + PRESENCE_WAIT_MS,
      onUserPresence: () => output.prompt(`Touch the button on key ${serial} now to confirm the reset...`),
    });
    return { serial, reset: true };
  });
  if (result === undefined) {
    output.info('Nothing erased.');
    return;
  }
  output.result(result, () => `Key ${result.serial}: every FIDO credential and the FIDO PIN erased.`);
}
