/** `hkey pin status|set|change|verify`: the key's PIN. PINs come from --pin-stdin, HKEY_PIN or a hidden prompt. */
import { unlock, withKey } from '../connect.js';
import { PinReader } from '../pin-input.js';
import { pinText } from '../pin-state.js';
import { PRESENCE_WAIT_MS } from '../presence.js';
import type { RunContext } from '../context.js';

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
  // SetPin unlocks the key's session like VerifyPin: locked again on exit unless --stay-unlocked.
  const serial = await withKey(context, async (key) => {
    await key.unlocking(() =>
      key.client.setPin(
        { pin, maxRetries: options.maxRetries },
        {
          timeoutMs: globals.timeout + PRESENCE_WAIT_MS,
          onUserPresence: () => output.prompt(`Press the button on key ${key.info.serial} to confirm the new PIN...`),
        },
      ),
    );
    return key.info.serial;
  });
  const locked = !globals.stayUnlocked;
  output.result(
    { serial, pinState: 'SET', locked },
    () => `PIN set on key ${serial}; ${locked ? 'the key is locked again' : 'the key stays unlocked (--stay-unlocked)'}.`,
  );
}

/** `hkey pin change` */
export async function pinChange(context: RunContext): Promise<void> {
  const { output, globals } = context;
  const pins = new PinReader(globals.pinStdin);
  const currentPin = await pins.current('Current PIN: ');
  const newPin = await pins.fresh('New PIN (4 to 8 digits): ', process.env.HKEY_NEW_PIN || undefined);
  // ChangePin unlocks the session like VerifyPin does.
  const serial = await withKey(context, async (key) => {
    await key.unlocking(() => key.client.changePin({ currentPin, newPin }, { timeoutMs: globals.timeout }));
    return key.info.serial;
  });
  output.result({ serial, changed: true }, () => `PIN of key ${serial} changed.`);
}

/**
 * `hkey pin verify`: checks the PIN. The key's session is shared by every program using the key, so it stays
 * unlocked (until it powers off or locks) only with --stay-unlocked.
 */
export async function pinVerify(context: RunContext): Promise<void> {
  const { output, globals } = context;
  const pins = new PinReader(globals.pinStdin);
  const result = await withKey(context, async (key) => {
    const { retries } = await unlock(key, pins, globals.timeout);
    return { serial: key.info.serial, retries, locked: !globals.stayUnlocked };
  });
  output.result(result, () =>
    result.locked
      ? `PIN correct: key ${result.serial} was locked again (give --stay-unlocked to leave it unlocked).`
      : `PIN correct: key ${result.serial} is unlocked until \`hkey lock\` or it powers off.`,
  );
}
