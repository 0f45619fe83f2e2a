/**
 * Several keys at once, as browsers run a ceremony: every key is asked, the first touched wins and the others get
 * CTAPHID CANCEL; a key unplugged mid-ceremony drops out; one plugged in joins; with none left the ceremony waits for
 * one until its timeout. A key that answers NO_CREDENTIALS at once, as real CTAP 2.x keys do, does not end it.
 */
import { describe, expect, test } from 'vitest';
import { Button, VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { CtapCommand, CtapStatus, GetAssertionKey, HidCommand, decodeCtap, encodeHidMessage, readHidCid } from '@hkey/protocol';
import type { HidReportPort } from '../src/hid-report-port.js';
import { CtapRequestRefused } from '../src/server/ctap-request-policy.js';
import { HidRequestGate } from '../src/server/request-gates.js';
import { untilWaiting } from './rig.js';
import { PIN, RP_ID, challengeOf, creation, page, rejection, setFidoPin } from './webauthn-rig.js';

/** Whether a CTAP2 request is a GetAssertion that wants the user's touch (not a silent up: false probe). */
function wantsTouch(request: Uint8Array): boolean {
  if (request[0] !== CtapCommand.GetAssertion) return false;
  const options = (decodeCtap(request.subarray(1)) as Map<number, unknown>).get(GetAssertionKey.options);
  return !(options instanceof Map && options.get('up') === false);
}

/**
 * A key that holds no credential for the request and, like real CTAP 2.x keys, says so at once (NO_CREDENTIALS
 * before any touch); the virtual key would wait for the touch first. Silent probes and everything else reach it.
 */
function answeringNoCredentialsAtOnce(key: VirtualKey): HidReportPort {
  const inner = connectInProcess(key);
  const listeners = new Set<(report: Uint8Array) => void>();
  inner.onReport((report) => listeners.forEach((listener) => listener(report)));
  const noCredentials = (): never => {
    throw new CtapRequestRefused('no credentials');
  };
  const gate = new HidRequestGate({ checkCbor: (request) => (wantsTouch(request) ? noCredentials() : undefined), checkApdu: () => undefined });
  return {
    send(report) {
      try {
        for (const forwarded of gate.take(report)) inner.send(forwarded);
      } catch {
        const answer = encodeHidMessage(readHidCid(report), HidCommand.CBOR, Uint8Array.of(CtapStatus.NO_CREDENTIALS));
        queueMicrotask(() => answer.forEach((reply) => listeners.forEach((listener) => listener(reply))));
      }
    },
    onReport(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => inner.close(),
    onClose: (listener) => inner.onClose(listener),
  };
}

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

  test('a key unplugged mid-ceremony drops out and the other still serves; with the last one unplugged it waits until the timeout', async () => {
    const { credentials, keys } = await page({ keys: 2, presence: 'button' });
    const [first, second] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const pending = credentials.create({ publicKey: creation() });
    await Promise.all([untilWaiting(first.button), untilWaiting(second.button)]);
    first.unplug();
    second.button.press();
    expect((await pending).type).toBe('public-key');

    const started = Date.now();
    const next = rejection(credentials.create({ publicKey: creation({ challenge: challengeOf('again'), timeout: 400 }) }));
    await untilWaiting(second.button);
    second.unplug();
    expect((await next).name).toBe('NotAllowedError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
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

  test('a key that answers NO_CREDENTIALS at once only blinks; the key that holds the credential still serves', async () => {
    const { credentials, keys, source } = await page({ presence: 'button' });
    const holder = keys[0]!;
    const registration = credentials.create({ publicKey: creation({ authenticatorSelection: { residentKey: 'required' } }) });
    await untilWaiting(holder.button);
    holder.button.press();
    const { rawId, id } = await registration;
    const otherButton = new Button();
    const other = await VirtualKey.start({ presence: otherButton, identity: { serial: 'HK-PAGE-000009' }, fido: { transports: ['usb'] } });
    source.add({ id: 'page-key-without-credential', connectHid: () => answeringNoCredentialsAtOnce(other) });

    const login = (allowCredentials: unknown[]) => credentials.get({ publicKey: { challenge: challengeOf('login'), rpId: RP_ID, allowCredentials } });
    for (const allowCredentials of [[{ type: 'public-key', id: rawId }], []]) {
      const pending = login(allowCredentials);
      await Promise.all([untilWaiting(holder.button), untilWaiting(otherButton)]);
      holder.button.press();
      expect((await pending).id).toBe(id);
      await expect.poll(() => otherButton.waiting).toBeUndefined();
    }
    // Touching the key without the credential is the user's choice: "this key is not registered".
    const wrongKey = rejection(login([{ type: 'public-key', id: rawId }]));
    await Promise.all([untilWaiting(holder.button), untilWaiting(otherButton)]);
    otherButton.press();
    expect((await wrongKey).name).toBe('NotAllowedError');
  });
});
