/** `hkey pin status|set|change|verify`: the key's PIN. PINs come from --pin-stdin, HKEY_PIN or a hidden prompt. */
import { withKey } from '../connect.js';
import { PinReader } from '../pin-input.js';
import { pinText } from '../pin-state.js';
import { PRESENCE_WAIT_MS } from '../presence.js';
import type { RunContext } from '../program.js';

/** `hkey pin status` */
export async function pinStatus(context: RunContext): Promise<void> {
  const info = await withKey(context, async (key) => key.info);
  const result = { serial: info.serial, pinState: info.pinState, retries: info.pinRetries, maxRetries: info.pinMaxRetries, locked: info.locked };
  context.output.result(result, () => `Key ${info.serial}: PIN ${pinText(info)}.`);
}

/** `hkey pin set` */
export async function pinSet(context: RunContext, options: { maxRetries?: number }): Promise<void> {
  const { output, globals } = context;
  const pin = await new PinReader(globals.pinStdin).fresh('New PIN (4 to 8 digits): ', process.env.HKEY_PIN || undefined);
  const serial = await withKey(context, async (key) => {
    await key.client.setPin(
      { pin, maxRetries: options.maxRetries },
      { timeoutMs: globals.timeout + PRESENCE_WAIT_MS, onUserPresence: () => output.prompt(`Press the button on key ${key.info.serial} to confirm the new PIN...`) },
    );
    return key.info.serial;
  });
  output.result({ serial, pinState: 'SET', locked: false }, () => `PIN set on key ${serial}; this session is unlocked.`);
}

/** `hkey pin change` */
export async function pinChange(context: RunContext): Promise<void> {
  const { output, globals } = context;
  const pins = new PinReader(globals.pinStdin);
  const currentPin = await pins.current('Current PIN: ');
  const newPin = await pins.fresh('New PIN (4 to 8 digits): ', process.env.HKEY_NEW_PIN || undefined);
  const serial = await withKey(context, async (key) => {
    await key.client.changePin({ currentPin, newPin }, { timeoutMs: globals.timeout });
    return key.info.serial;
  });
  output.result({ serial, changed: true }, () => `PIN of key ${serial} changed.`);
}

/** `hkey pin verify`: unlocks the key's session (on UDP shared by every program using the key, until it powers off or locks). */
export async function pinVerify(context: RunContext): Promise<void> {
  const { output, globals } = context;
  const pins = new PinReader(globals.pinStdin);
  const result = await withKey(context, async (key) => {
    const { retries } = await key.client.verifyPin(await pins.current(`PIN for key ${key.info.serial}: `), { timeoutMs: globals.timeout });
    return { serial: key.info.serial, retries, locked: false };
  });
  output.result(result, () => `PIN correct: key ${result.serial} is unlocked.`);
}
