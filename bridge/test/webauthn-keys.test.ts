/**
 * Several keys at once, as browsers run a ceremony: every key is asked, the first touched wins and the others get
 * CTAPHID CANCEL; a key unplugged mid-ceremony drops out; one plugged in joins; none left is NotAllowedError.
 */
import { describe, expect, test } from 'vitest';
import { untilWaiting } from './rig.js';
import { PIN, RP_ID, challengeOf, creation, page, rejection, setFidoPin } from './webauthn-rig.js';

const cancelled = expect.objectContaining({ type: 'response', status: 'KEEPALIVE_CANCEL' });

describe('navigator.credentials shim: several keys', () => {
  test('two keys: both blink, the second one touched wins, the first is cancelled', async () => {
    const { credentials, keys } = await page({ keys: 2, presence: 'button' });
    const [first, second] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const since = first.key.events.lastSeq;
    const pending = credentials.create({ publicKey: creation() });
    await Promise.all([untilWaiting(first.button), untilWaiting(second.button)]);
    second.button.press();
    const credential = await pending;
    await expect.poll(() => first.key.events.since(since)).toContainEqual(cancelled);
    expect(first.button.waiting).toBeUndefined();
    // The credential is the second key's: only it can sign with it.
    const login = credentials.get({
      publicKey: { challenge: challengeOf('login'), rpId: RP_ID, allowCredentials: [{ type: 'public-key', id: credential.rawId }] },
    });
    await untilWaiting(first.button);
    first.button.press();
    expect((await rejection(login)).name).toBe('NotAllowedError');
  });

  test('two keys, one with a PIN: touching it selects it, its PIN is asked for, the other is cancelled', async () => {
    const { credentials, keys, pinRequests } = await page({ keys: 2, presence: 'button', pins: [PIN] });
    const [plain, withPin] = keys as [(typeof keys)[0], (typeof keys)[0]];
    await setFidoPin(withPin.key);
    const since = plain.key.events.lastSeq;
    const pending = credentials.create({ publicKey: creation({ authenticatorSelection: { userVerification: 'preferred' } }) });
    await Promise.all([untilWaiting(plain.button), untilWaiting(withPin.button)]);
    withPin.button.press();
    await expect.poll(() => plain.key.events.since(since)).toContainEqual(cancelled);
    await untilWaiting(withPin.button);
    withPin.button.press();
    await pending;
    expect(pinRequests).toHaveLength(1);
  });

  test('a key unplugged mid-ceremony drops out and the other still serves; unplugging the last one is NotAllowedError', async () => {
    const { credentials, keys } = await page({ keys: 2, presence: 'button' });
    const [first, second] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const pending = credentials.create({ publicKey: creation() });
    await Promise.all([untilWaiting(first.button), untilWaiting(second.button)]);
    first.unplug();
    second.button.press();
    expect((await pending).type).toBe('public-key');

    const next = rejection(credentials.create({ publicKey: creation({ challenge: challengeOf('again') }) }));
    await untilWaiting(second.button);
    second.unplug();
    expect((await next).name).toBe('NotAllowedError');
  });

  test('the chosen key unplugged during its PIN prompt: NotAllowedError', async () => {
    let unplug = (): void => undefined;
    const { credentials, keys } = await page({
      pin: async () => {
        unplug();
        return PIN;
      },
    });
    await setFidoPin(keys[0]!.key);
    unplug = keys[0]!.unplug;
    const result = await rejection(credentials.create({ publicKey: creation({ authenticatorSelection: { userVerification: 'required' } }) }));
    expect(result.name).toBe('NotAllowedError');
  });

  test('a key plugged in during the ceremony joins it, and touching it wins', async () => {
    const { credentials, keys, plug } = await page({ presence: 'button' });
    const pending = credentials.create({ publicKey: creation() });
    await untilWaiting(keys[0]!.button);
    const late = await plug('button');
    await untilWaiting(late.button);
    late.button.press();
    expect((await pending).type).toBe('public-key');
    await expect.poll(() => keys[0]!.button.waiting).toBeUndefined();
  });
});
