/**
 * The navigator.credentials shim's refusals carry the names (and Chrome's messages) browsers use: TypeError for
 * malformed options, SecurityError and NotAllowedError for origins, NotSupportedError, InvalidStateError after the
 * touch, NotAllowedError for deny / timeout / PIN / no credential, AbortError. None of them hangs.
 */
import { describe, expect, test } from 'vitest';
import { untilWaiting } from './rig.js';
import { PIN, RP_ID, alice, challengeOf, creation, page, registered, rejection, setFidoPin } from './webauthn-rig.js';

const get = (publicKey: Record<string, unknown> = {}) => ({ publicKey: { challenge: challengeOf('login'), rpId: RP_ID, ...publicKey } });

describe('malformed options: TypeError (or the DOMException Chrome uses), never a key', () => {
  test.each([
    [
      'no challenge',
      { challenge: undefined },
      "Failed to read the 'challenge' property from 'PublicKeyCredentialCreationOptions': Required member is undefined.",
    ],
    ['no rp', { rp: undefined }, "Failed to read the 'rp' property from 'PublicKeyCredentialCreationOptions': Required member is undefined."],
    ['no rp.name', { rp: { id: RP_ID } }, "Failed to read the 'name' property from 'PublicKeyCredentialRpEntity': Required member is undefined."],
    ['no user.name', { user: { id: alice.id, displayName: 'A' } }, "Failed to read the 'name' property from 'PublicKeyCredentialUserEntity'"],
    ['no pubKeyCredParams', { pubKeyCredParams: undefined }, "Failed to read the 'pubKeyCredParams' property"],
    ['a string challenge', { challenge: 'abc' }, "The provided value is not of type '(ArrayBuffer or ArrayBufferView)'."],
    ['pubKeyCredParams not a sequence', { pubKeyCredParams: 5 }, 'cannot be converted to a sequence'],
    ['a param without alg', { pubKeyCredParams: [{ type: 'public-key' }] }, "Failed to read the 'alg' property from 'PublicKeyCredentialParameters'"],
  ])('create with %s', async (_, overrides, message) => {
    const { credentials, keys } = await page();
    const since = keys[0]!.key.events.lastSeq;
    const result = await rejection(credentials.create({ publicKey: creation(overrides) }));
    expect(result.name).toBe('TypeError');
    expect(result.message).toContain("Failed to execute 'create' on 'CredentialsContainer': Failed to read the 'publicKey' property from");
    expect(result.message).toContain(message);
    expect(keys[0]!.key.events.since(since)).toEqual([]);
  });

  test('a user handle over 64 bytes', async () => {
    const { credentials } = await page();
    const result = await rejection(credentials.create({ publicKey: creation({ user: { ...alice, id: new Uint8Array(65) } }) }));
    expect(result).toMatchObject({ name: 'TypeError', message: 'User handle exceeds 64 bytes.' });
  });

  test('get without a challenge, options that are not an object, a signal that is not an AbortSignal', async () => {
    const { credentials } = await page();
    expect(await rejection(credentials.get({ publicKey: { rpId: RP_ID } }))).toMatchObject({
      name: 'TypeError',
      message: "Failed to read the 'challenge' property from 'PublicKeyCredentialRequestOptions'",
    });
    expect((await rejection(credentials.create(42))).name).toBe('TypeError');
    expect((await rejection(credentials.get({ ...get(), signal: {} }))).name).toBe('TypeError');
  });

  test('more than 64 excludeCredentials or allowCredentials: RangeError; credProps on get: NotSupportedError', async () => {
    const { credentials } = await page();
    const many = Array.from({ length: 65 }, () => ({ type: 'public-key', id: new Uint8Array(16) }));
    expect((await rejection(credentials.create({ publicKey: creation({ excludeCredentials: many }) }))).name).toBe('RangeError');
    expect((await rejection(credentials.get(get({ allowCredentials: many })))).name).toBe('RangeError');
    expect((await rejection(credentials.get(get({ extensions: { credProps: true } })))).name).toBe('NotSupportedError');
  });
});

describe('origins and RP IDs', () => {
  test.each([
    ['http://example.com', undefined, 'SecurityError', 'This is an invalid domain.'],
    ['http://127.0.0.1:8080', undefined, 'SecurityError', 'This is an invalid domain.'],
    ['https://[::1]', undefined, 'SecurityError', 'This is an invalid domain.'],
    [
      'ftp://example.com',
      undefined,
      'SecurityError',
      "Public-key credentials are only available to HTTPS origins with valid certificates, HTTP origins that fall under 'localhost'.",
    ],
    ['null', undefined, 'NotAllowedError', "The current origin is an opaque origin and hence not allowed to access 'PublicKeyCredential' objects."],
    ['https://login.example.com', 'other.com', 'SecurityError', 'The relying party ID is not a registrable domain suffix of, nor equal to the current domain.'],
    ['https://login.example.com', 'ample.com', 'SecurityError', 'The relying party ID is not a registrable domain suffix'],
    ['https://login.example.com', 'com', 'SecurityError', 'The relying party ID is not a registrable domain suffix'],
    ['https://a.github.io', 'github.io', 'SecurityError', 'The relying party ID is not a registrable domain suffix'],
    ['https://shop.example.co.uk', 'co.uk', 'SecurityError', 'The relying party ID is not a registrable domain suffix'],
    ['https://login.example.com', '', 'SecurityError', 'The relying party ID is not a registrable domain suffix'],
  ])('%s claiming %s: %s', async (origin, rpId, name, message) => {
    const { credentials } = await page({ origin });
    const publicKey = creation({ rp: { name: 'Example', ...(rpId === undefined ? {} : { id: rpId }) } });
    for (const result of [
      await rejection(credentials.create({ publicKey })),
      await rejection(credentials.get({ publicKey: { challenge: challengeOf('x'), ...(rpId === undefined ? {} : { rpId }) } })),
    ]) {
      expect(result.name).toBe(name);
      expect(result.message).toContain(message);
    }
  });

  test('http://localhost may use WebAuthn with the RP ID localhost; a registrable suffix of the origin is accepted', async () => {
    const local = await page({ origin: 'http://localhost:5173' });
    expect((await local.credentials.create({ publicKey: creation({ rp: { name: 'Dev' } }) })).type).toBe('public-key');
    const sub = await page({ origin: 'https://a.b.example.co.uk' });
    expect((await sub.credentials.create({ publicKey: creation({ rp: { id: 'example.co.uk', name: 'Shop' } }) })).type).toBe('public-key');
  });
});

describe('the ceremony', () => {
  test('other credential types: NotSupportedError; no supported algorithm: NotSupportedError', async () => {
    const { credentials } = await page();
    expect(await rejection(credentials.create({ password: { id: 'a', password: 'b' } }))).toMatchObject({ name: 'NotSupportedError' });
    expect(await rejection(credentials.get({ password: true }))).toMatchObject({ name: 'NotSupportedError' });
    const unknownTypes = await rejection(credentials.create({ publicKey: creation({ pubKeyCredParams: [{ type: 'secret-key', alg: -7 }] }) }));
    expect(unknownTypes.name).toBe('NotSupportedError');
    // RS256 only: the virtual key offers ES256 and EdDSA; after its touch the page learns NotSupportedError.
    const rsaOnly = await rejection(credentials.create({ publicKey: creation({ pubKeyCredParams: [{ type: 'public-key', alg: -257 }] }) }));
    expect(rsaOnly).toMatchObject({
      name: 'NotSupportedError',
      message: 'None of the algorithms specified in `pubKeyCredParams` are supported by this device.',
    });
  });

  test('an empty pubKeyCredParams means ES256 and RS256: the key makes an ES256 credential', async () => {
    const { credentials } = await page();
    const stored = await registered(credentials, { pubKeyCredParams: [] });
    expect((stored.credential.response as { getPublicKeyAlgorithm(): number }).getPublicKeyAlgorithm()).toBe(-7);
  });

  test('an excluded credential: InvalidStateError only after the touch', async () => {
    const { credentials, keys } = await page({ presence: 'button' });
    const button = keys[0]!.button;
    const first = credentials.create({ publicKey: creation() });
    await untilWaiting(button);
    button.press();
    const { rawId } = await first;
    let settled = false;
    const again = rejection(credentials.create({ publicKey: creation({ excludeCredentials: [{ type: 'public-key', id: rawId }] }) })).finally(
      () => (settled = true),
    );
    await untilWaiting(button);
    expect(settled).toBe(false);
    button.press();
    expect(await again).toMatchObject({
      name: 'InvalidStateError',
      message: 'The user attempted to register an authenticator that contains one of the credentials already registered with the relying party.',
    });
  });

  test('the user declines on the key: NotAllowedError', async () => {
    const { credentials, keys } = await page({ presence: 'button' });
    const pending = rejection(credentials.create({ publicKey: creation() }));
    await untilWaiting(keys[0]!.button);
    keys[0]!.button.deny();
    expect((await pending).name).toBe('NotAllowedError');
  });

  test('nobody touches the key: NotAllowedError at the timeout, and the key is cancelled', async () => {
    const { credentials, keys } = await page({ presence: 'button' });
    const since = keys[0]!.key.events.lastSeq;
    const started = Date.now();
    const result = await rejection(credentials.create({ publicKey: creation({ timeout: 300 }) }));
    expect(result).toMatchObject({ name: 'NotAllowedError', message: expect.stringContaining('timed out or was not allowed') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await expect.poll(() => keys[0]!.key.events.since(since)).toContainEqual(expect.objectContaining({ type: 'response', status: 'KEEPALIVE_CANCEL' }));
  });

  test('AbortSignal: an aborted signal rejects at once with its reason; aborting mid-ceremony sends CANCEL and rejects AbortError', async () => {
    const { credentials, keys } = await page({ presence: 'button' });
    expect((await rejection(credentials.create({ publicKey: creation(), signal: AbortSignal.abort() }))).name).toBe('AbortError');
    const controller = new AbortController();
    const since = keys[0]!.key.events.lastSeq;
    const pending = rejection(credentials.get({ ...get(), signal: controller.signal }));
    await untilWaiting(keys[0]!.button);
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    // The key holds no credential, so it only blinks (authenticatorSelection) for the user to pick it.
    await expect
      .poll(() => keys[0]!.key.events.since(since))
      .toContainEqual(expect.objectContaining({ type: 'response', command: 'fido.Selection', status: 'KEEPALIVE_CANCEL' }));
    const custom = new AbortController();
    const withReason = rejection(credentials.get({ ...get(), signal: custom.signal }));
    await untilWaiting(keys[0]!.button);
    custom.abort(new Error('navigated away'));
    expect((await withReason).message).toBe('navigated away');
  });

  test('a signal aborted while clientDataJSON is hashed still ends the ceremony: no key is asked, AbortError at once', async () => {
    const { credentials, keys } = await page({ presence: 'button' });
    const since = keys[0]!.key.events.lastSeq;
    for (const call of [
      (signal: AbortSignal) => credentials.create({ publicKey: creation({ timeout: 60_000 }), signal }),
      (signal: AbortSignal) => credentials.get({ ...get({ timeout: 60_000 }), signal }),
    ]) {
      const controller = new AbortController();
      const pending = rejection(call(controller.signal));
      controller.abort();
      const started = Date.now();
      expect((await pending).name).toBe('AbortError');
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(keys[0]!.button.waiting).toBeUndefined();
    expect(keys[0]!.key.events.since(since)).toEqual([]);
  });

  test('conditional mediation: no autofill UI, so get() waits until aborted', async () => {
    const { credentials, keys } = await page();
    const since = keys[0]!.key.events.lastSeq;
    const controller = new AbortController();
    let settled = false;
    const pending = rejection(credentials.get({ ...get(), mediation: 'conditional', signal: controller.signal })).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    expect(keys[0]!.key.events.since(since)).toEqual([]);
  });

  test('no credential on the key: NotAllowedError after the touch (allow list and discoverable)', async () => {
    const { credentials } = await page();
    expect((await rejection(credentials.get(get({ allowCredentials: [{ type: 'public-key', id: new Uint8Array(64) }] })))).name).toBe('NotAllowedError');
    expect((await rejection(credentials.get(get()))).name).toBe('NotAllowedError');
  });

  test('no key at all: the ceremony waits for one until the timeout, as Chrome does, so the page cannot tell', async () => {
    const { credentials } = await page({ keys: 0 });
    const started = Date.now();
    expect((await rejection(credentials.create({ publicKey: creation({ timeout: 300 }) }))).name).toBe('NotAllowedError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test('no key at all: a key plugged in before the timeout serves the ceremony', async () => {
    const { credentials, plug } = await page({ keys: 0 });
    const pending = credentials.create({ publicKey: creation({ timeout: 60_000 }) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await plug('auto');
    expect((await pending).type).toBe('public-key');
  });

  test('one ceremony at a time: a second one while the first runs is OperationError', async () => {
    const { credentials, keys } = await page({ presence: 'button' });
    const controller = new AbortController();
    const first = rejection(credentials.create({ publicKey: creation(), signal: controller.signal }));
    await untilWaiting(keys[0]!.button);
    expect(await rejection(credentials.get(get()))).toMatchObject({ name: 'OperationError', message: 'A request is already pending.' });
    controller.abort();
    await first;
    // Aborting frees the page at once (@simplewebauthn/browser aborts the previous ceremony before starting one).
    const next = credentials.create({ publicKey: creation() });
    await untilWaiting(keys[0]!.button);
    keys[0]!.button.press();
    expect((await next).type).toBe('public-key');
  });
});

describe('the PIN', () => {
  test('a wrong PIN asks again with retry: true and the retries left; the right one then works', async () => {
    const { credentials, keys, pinRequests } = await page({ pins: ['000000', PIN] });
    await setFidoPin(keys[0]!.key);
    await registered(credentials, { authenticatorSelection: { userVerification: 'required' } }, true);
    expect(pinRequests).toEqual([
      { rpId: RP_ID, retries: 8, reason: 'verify', retry: false },
      { rpId: RP_ID, retries: 7, reason: 'verify', retry: true },
    ]);
  });

  test('the prompt cancelled: NotAllowedError, and no PIN appears in the error', async () => {
    const { credentials, keys } = await page({ pins: ['111111', undefined] });
    await setFidoPin(keys[0]!.key);
    const result = await rejection(credentials.create({ publicKey: creation({ authenticatorSelection: { userVerification: 'required' } }) }));
    expect(result.name).toBe('NotAllowedError');
    const error = result.error as Error & { cause?: unknown };
    const text = `${String(error)} ${JSON.stringify(error)} ${error.stack ?? ''} ${String(error.cause)} ${JSON.stringify(error.cause)}`;
    expect(text).not.toContain('111111');
    expect(text).not.toContain(PIN);
  });

  test('PIN blocked: NotAllowedError without asking', async () => {
    // Three wrong PINs in a row block until a power cycle; the ceremony does not ask for a fourth.
    const { credentials, keys, pinRequests } = await page({ pins: ['000001', '000002', '000003', PIN] });
    await setFidoPin(keys[0]!.key);
    const result = await rejection(credentials.get(get({ userVerification: 'required' })));
    expect(result.name).toBe('NotAllowedError');
    expect(pinRequests.map((request) => request.retry)).toEqual([false, true, true]);
    expect((await rejection(credentials.get(get({ userVerification: 'required' })))).name).toBe('NotAllowedError');
    expect(pinRequests).toHaveLength(3);
  });

  test('userVerification required on a key without a PIN: NotAllowedError (Chrome would offer to set one)', async () => {
    const { credentials, pinRequests } = await page({ pins: [PIN] });
    expect((await rejection(credentials.create({ publicKey: creation({ authenticatorSelection: { userVerification: 'required' } }) }))).name).toBe(
      'NotAllowedError',
    );
    expect(pinRequests).toEqual([]);
  });
});
