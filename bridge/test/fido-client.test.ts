/**
 * The bridge's FIDO client against the virtual key (docs/protocol.md §9): over UDP and in process, and through a
 * real bridge server (ws). Signatures are checked with node:crypto, not with the code under test.
 */
import { createPublicKey, verify } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { AuthenticatorDataFlag, CoseAlgorithm, CtapError, type CtapMap, cosePublicKeyBytes, decodeCtap, sha256 } from '@hkey/protocol';
import { Button, ManualClock, VirtualKey, autoApprove, connectInProcess } from '@hkey/firmware-sim';
import { BridgeError, FidoClient, KeyClient, type Transport, U2fError, WsTransportKind, openVirtualTransport } from '@hkey/bridge';
import { LINKS, type Rig, failure, rig, untilWaiting } from './rig.js';
import { alice, expectCancelDuringButtonWait, hashOf, rp } from './fido-rig.js';
import { RawClient, type ServerRig, serverRig } from './bridge-server-rig.js';

const PIN = '482916';
const NEW_PIN = '735102';
const utf8 = new TextEncoder();

const rigs: Rig[] = [];
let server: ServerRig | undefined;
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((each) => each.close()));
  await server?.close();
  server = undefined;
});

async function open(link: (typeof LINKS)[number], presence: 'auto' | 'button' = 'auto'): Promise<Rig & { fido: FidoClient }> {
  const opened = await rig(link, presence === 'auto' ? { presence: autoApprove } : {});
  rigs.push(opened);
  return { ...opened, fido: new FidoClient(opened.transport) };
}

/** Checks an ES256 signature over authenticatorData || clientDataHash with node:crypto. */
function verifiesEs256(publicKeyCose: Uint8Array, signed: Uint8Array, signature: Uint8Array): boolean {
  const { publicKey } = cosePublicKeyBytes(decodeCtap(publicKeyCose) as CtapMap);
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: Buffer.from(publicKey.slice(1, 33)).toString('base64url'), y: Buffer.from(publicKey.slice(33)).toString('base64url') },
    format: 'jwk',
  });
  return verify('sha256', signed, key, signature);
}

const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => new Uint8Array([...a, ...b]);

/** Every message and serialisation of an error: a PIN must appear in none. */
function expectNoPin(error: unknown, ...pins: string[]): void {
  const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
  for (const pin of pins) expect(text).not.toContain(pin);
}

describe.each(LINKS)('FidoClient over %s', (link) => {
  test('getInfo: FIDO 2.1, the AAGUID, PIN protocols 2 and 1, ES256', async () => {
    const { fido } = await open(link);
    const info = await fido.getInfo();
    expect(info.versions).toEqual(expect.arrayContaining(['U2F_V2', 'FIDO_2_0', 'FIDO_2_1']));
    expect(info.aaguid).toHaveLength(16);
    expect(info.pinUvAuthProtocols).toEqual([2, 1]);
    expect(info.algorithms).toContain(CoseAlgorithm.ES256);
    expect(info.options).toMatchObject({ rk: true, clientPin: false, credMgmt: true });
    expect(await fido.clientPin.protocol()).toBe(2);
  });

  test('second factor: makeCredential, then getAssertion with the allow list; the signature verifies', async () => {
    const { fido } = await open(link);
    const registration = await fido.makeCredential({ clientDataHash: hashOf('register'), rp, user: alice });
    expect(registration.fmt).toBe('packed');
    expect(registration.authenticatorData.flags & AuthenticatorDataFlag.UP).toBeTruthy();
    expect(registration.authenticatorData.flags & AuthenticatorDataFlag.UV).toBe(0);
    expect(registration.authenticatorData.rpIdHash).toEqual(sha256(utf8.encode(rp.id)));

    const clientDataHash = hashOf('login');
    const assertion = await fido.getAssertion({ rpId: rp.id, clientDataHash, allowList: [{ id: registration.credentialId }] });
    expect(assertion.credentialId).toEqual(registration.credentialId);
    expect(assertion.authenticatorData.signCount).toBeGreaterThan(registration.authenticatorData.signCount);
    expect(verifiesEs256(registration.publicKey, concat(assertion.authData, clientDataHash), assertion.signature)).toBe(true);
    expect(verifiesEs256(registration.publicKey, concat(assertion.authData, hashOf('other')), assertion.signature)).toBe(false);

    const excluded = await rejection(
      fido.makeCredential({ clientDataHash: hashOf('again'), rp, user: alice, excludeList: [{ id: registration.credentialId }] }),
    );
    expect(excluded).toMatchObject({ code: 'CTAP_CREDENTIAL_EXCLUDED' });
    expect(
      await fido.getAssertion({ rpId: 'other.example', clientDataHash, allowList: [{ id: registration.credentialId }] }).catch((error: unknown) => error),
    ).toMatchObject({
      code: 'CTAP_NO_CREDENTIALS',
    });
  });

  test('PIN: set, retries, a wrong PIN (no PIN in the error), change, tokens; passwordless and credential management', async () => {
    const { fido } = await open(link);
    await fido.clientPin.setPin(PIN);
    expect((await fido.getInfo()).options.clientPin).toBe(true);
    expect(await fido.clientPin.getRetries()).toEqual({ retries: 8, powerCycleRequired: false });

    const wrong = await fido.clientPin.getPinToken('000000').catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(CtapError);
    expect(wrong).toMatchObject({ code: 'CTAP_PIN_INVALID', message: expect.stringContaining('7 attempts left') });
    expectNoPin(wrong, '000000', PIN);
    expect((await fido.clientPin.getRetries()).retries).toBe(7);

    const changeWrong = await fido.clientPin.changePin('111111', NEW_PIN).catch((error: unknown) => error);
    expect(changeWrong).toMatchObject({ code: 'CTAP_PIN_INVALID' });
    expectNoPin(changeWrong, '111111', NEW_PIN);
    await fido.clientPin.changePin(PIN, NEW_PIN);
    expect((await fido.clientPin.getRetries()).retries).toBe(8);
    expect(await fido.clientPin.getPinToken(PIN).catch((error: unknown) => error)).toMatchObject({ code: 'CTAP_PIN_INVALID' });
    const policy = await fido.clientPin.setPin('Zq').catch((error: unknown) => error);
    expect(policy).toMatchObject({ code: 'CTAP_PIN_POLICY_VIOLATION' });
    expectNoPin(policy, 'Zq');

    // Passwordless: a discoverable credential with user verification, then a login without an allow list.
    const makeToken = await fido.clientPin.getPinToken(NEW_PIN, { permissions: ['makeCredential'], rpId: rp.id });
    expect(JSON.stringify(makeToken)).toBe(JSON.stringify({ protocol: 2, permissions: 1, rpId: rp.id }));
    const registration = await fido.makeCredential({ clientDataHash: hashOf('register rk'), rp, user: alice, residentKey: true, pinToken: makeToken });
    expect(registration.authenticatorData.flags & AuthenticatorDataFlag.UV).toBeTruthy();
    const bob = { id: utf8.encode('user-bob'), name: 'bob@example.com', displayName: 'Bob' };
    const second = await fido.makeCredential({ clientDataHash: hashOf('register bob'), rp, user: bob, residentKey: true, pinToken: makeToken });

    const getToken = await fido.clientPin.getPinToken(NEW_PIN, { permissions: ['getAssertion'], rpId: rp.id });
    const clientDataHash = hashOf('passwordless');
    const assertions = await fido.getAssertions({ rpId: rp.id, clientDataHash, pinToken: getToken });
    expect(assertions).toHaveLength(2);
    expect(assertions.map((assertion) => assertion.user?.id)).toEqual(expect.arrayContaining([alice.id, bob.id]));
    for (const assertion of assertions) {
      expect(assertion.authenticatorData.flags & AuthenticatorDataFlag.UV).toBeTruthy();
      const publicKey = assertion.credentialId.every((byte, index) => byte === registration.credentialId[index]) ? registration.publicKey : second.publicKey;
      expect(verifiesEs256(publicKey, concat(assertion.authData, clientDataHash), assertion.signature)).toBe(true);
    }
    // A token bound to example.com serves no other RP.
    expect(await fido.getAssertion({ rpId: 'other.example', clientDataHash, pinToken: getToken }).catch((error: unknown) => error)).toMatchObject({
      code: 'CTAP_PIN_AUTH_INVALID',
    });

    const manage = await fido.clientPin.getPinToken(NEW_PIN, { permissions: ['credentialManagement'] });
    expect(await fido.credentialManagement.metadata(manage)).toMatchObject({ existingCredentials: 2 });
    expect(await fido.credentialManagement.relyingParties(manage)).toEqual([{ id: rp.id, name: rp.name, rpIdHash: sha256(utf8.encode(rp.id)) }]);
    const stored = await fido.credentialManagement.credentials(manage, rp.id);
    expect(stored.map((credential) => credential.user.name).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    await fido.credentialManagement.delete(manage, registration.credentialId);
    expect((await fido.credentialManagement.credentials(manage, rp.id)).map((credential) => credential.user.name)).toEqual(['bob@example.com']);
    expect(await fido.credentialManagement.delete(manage, registration.credentialId).catch((error: unknown) => error)).toMatchObject({
      code: 'CTAP_NO_CREDENTIALS',
    });
    await fido.credentialManagement.delete(manage, second.credentialId);
    expect(await fido.credentialManagement.relyingParties(manage)).toEqual([]);
  });

  test('PIN/UV auth protocol 1 when asked for (and as the fallback of keys without 2)', async () => {
    const { transport } = await open(link);
    const fido = new FidoClient(transport, { pinProtocol: 1 });
    await fido.clientPin.setPin(PIN);
    const token = await fido.clientPin.getPinToken(PIN, { permissions: ['makeCredential', 'getAssertion'], rpId: rp.id });
    expect(token.protocol).toBe(1);
    const registration = await fido.makeCredential({ clientDataHash: hashOf('p1'), rp, user: alice, residentKey: true, pinToken: token });
    expect(registration.authenticatorData.flags & AuthenticatorDataFlag.UV).toBeTruthy();
    await fido.clientPin.changePin(PIN, NEW_PIN);
    expect((await fido.clientPin.getRetries()).retries).toBe(8);
  });

  test('U2F: version, register, authenticate (polling for the touch), check-only', async () => {
    const { fido } = await open(link);
    expect(await fido.u2f.version()).toBe('U2F_V2');
    const application = hashOf('https://u2f.example.com');
    let touches = 0;
    const registration = await fido.u2f.register(hashOf('u2f register'), application, { onUserPresence: () => (touches += 1) });
    expect(touches).toBe(1);
    expect(registration.publicKey).toHaveLength(65);
    expect(registration.certificate[0]).toBe(0x30);
    expect(await fido.u2f.owns(application, registration.keyHandle)).toBe(true);
    expect(await fido.u2f.owns(hashOf('another app'), registration.keyHandle)).toBe(false);

    const challenge = hashOf('u2f login');
    const login = await fido.u2f.authenticate(challenge, application, registration.keyHandle);
    expect(login.userPresence).toBe(true);
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, login.counter);
    const signed = new Uint8Array([...application, 1, ...counter, ...challenge]);
    const key = createPublicKey({
      key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), registration.publicKey]),
      format: 'der',
      type: 'spki',
    });
    expect(verify('sha256', signed, key, login.signature)).toBe(true);

    const silent = await fido.u2f.authenticate(challenge, application, registration.keyHandle, 'dont-enforce');
    expect(silent.userPresence).toBe(false);
    expect(silent.counter).toBeGreaterThan(login.counter);
    const wrongApp = await fido.u2f.authenticate(challenge, hashOf('another app'), registration.keyHandle).catch((error: unknown) => error);
    expect(wrongApp).toBeInstanceOf(U2fError);
    expect(wrongApp).toMatchObject({ code: 'U2F_WRONG_DATA', statusWord: 0x6a80 });
  });

  test('CANCEL during the button wait: the key answers KEEPALIVE_CANCEL, the call rejects CANCELLED, the channel carries on', async () => {
    await expectCancelDuringButtonWait(await open(link, 'button'));
  });

  test('timeouts: nobody touches the key, the call gives up with TIMEOUT after cancelling it', async () => {
    const { fido, key } = await open(link, 'button');
    const since = key.events.lastSeq;
    const started = Date.now();
    const error = await failure(fido.selection({ timeoutMs: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(key.events.since(since)).toContainEqual(expect.objectContaining({ type: 'response', command: 'fido.Selection', status: 'KEEPALIVE_CANCEL' }));
    const u2f = await failure(fido.u2f.register(hashOf('c'), hashOf('a'), { timeoutMs: 300 }));
    expect(u2f.code).toBe('TIMEOUT');
  });

  test('HKP and CTAP share one queue: interleaved calls all succeed in order', async () => {
    const { fido, client } = await open(link);
    const results = await Promise.all([client.getInfo(), fido.getInfo(), client.getInfo(), fido.u2f.version(), fido.getInfo()]);
    expect(results.map((result) => (typeof result === 'string' ? result : 'serial' in result ? 'hkp' : 'ctap'))).toEqual([
      'hkp',
      'ctap',
      'hkp',
      'U2F_V2',
      'ctap',
    ]);
  });
});

test('reset within 10 seconds of power-up erases the credentials and the PIN; NOT_ALLOWED later', async () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const key = await VirtualKey.start({ clock });
  const transport = await openVirtualTransport(connectInProcess(key));
  rigs.push({ close: () => transport.close() } as Rig);
  const fido = new FidoClient(transport);
  await fido.clientPin.setPin(PIN);
  await fido.reset();
  expect((await fido.getInfo()).options.clientPin).toBe(false);
  clock.advance(11_000);
  expect(await fido.reset().catch((error: unknown) => error)).toMatchObject({ code: 'CTAP_NOT_ALLOWED' });
  await key.powerCycle();
  const again = new FidoClient(await openVirtualTransport(connectInProcess(key)));
  await again.reset();
  await again.transport.close();
});

test('a transport without CTAP: FidoClient refuses with FIDO_UNSUPPORTED', () => {
  const hkpOnly: Transport = {
    descriptor: { id: 'x', transport: 'ble' },
    exchange: async () => new Uint8Array([0]),
    close: async () => undefined,
    on: () => () => undefined,
  };
  expect(() => new FidoClient(hkpOnly)).toThrow(expect.objectContaining({ code: 'FIDO_UNSUPPORTED' }));
  expect(() => new FidoClient(hkpOnly)).toThrow(BridgeError);
});

describe('FidoClient through the bridge server (ws)', () => {
  async function openWs(): Promise<{ fido: FidoClient; client: KeyClient; rig: ServerRig }> {
    server = await serverRig();
    const transport = await new WsTransportKind({ url: server.server.url, token: server.server.token, client: 'fido test' }).open('virtual-1');
    const close = (): Promise<void> => transport.close();
    rigs.push({ close } as Rig);
    return { fido: new FidoClient(transport), client: new KeyClient(transport), rig: server };
  }

  test('registration, login, PIN and U2F through the `ctap` message', async () => {
    const { fido, client } = await openWs();
    expect((await fido.getInfo()).versions).toContain('FIDO_2_1');
    const registration = await fido.makeCredential({ clientDataHash: hashOf('ws register'), rp, user: alice });
    const clientDataHash = hashOf('ws login');
    const assertion = await fido.getAssertion({ rpId: rp.id, clientDataHash, allowList: [{ id: registration.credentialId }] });
    expect(verifiesEs256(registration.publicKey, concat(assertion.authData, clientDataHash), assertion.signature)).toBe(true);
    await fido.clientPin.setPin(PIN);
    expect(await fido.clientPin.getPinToken('999999').catch((error: unknown) => error)).toMatchObject({ code: 'CTAP_PIN_INVALID' });
    expect((await fido.clientPin.getPinToken(PIN)).protocol).toBe(2);
    expect(await fido.u2f.version()).toBe('U2F_V2');
    // HKP on the same session still works.
    expect((await client.getInfo()).serial).toBe('HK-SIM-000001');
  });

  test('cancel through the bridge: the key answers KEEPALIVE_CANCEL, the call rejects CANCELLED', async () => {
    const { fido, rig: serverSide } = await openWs();
    const key = serverSide.keys[0]!;
    const button = new Button();
    key.presence = button;
    const controller = new AbortController();
    let asked: () => void = () => undefined;
    const upNeeded = new Promise<void>((resolve) => (asked = resolve));
    const pending = fido.selection({ signal: controller.signal, onUserPresence: () => asked() });
    await Promise.all([untilWaiting(button), upNeeded]);
    const since = key.events.lastSeq;
    controller.abort();
    expect((await failure(pending)).code).toBe('CANCELLED');
    await expect
      .poll(() => key.events.since(since))
      .toContainEqual(expect.objectContaining({ type: 'response', command: 'fido.Selection', status: 'KEEPALIVE_CANCEL' }));
    const timedOut = await failure(fido.selection({ timeoutMs: 300 }));
    expect(timedOut.code).toBe('TIMEOUT');
  });

  test('the bridge refuses `ctap` on a session of another link, and with bad parameters', async () => {
    server = await serverRig();
    const raw = await RawClient.connect(server.server);
    const hid = (await raw.call('acquire', { device: 'virtual-1', link: 'hid' })) as unknown as { result: { session: string } };
    expect(await raw.call('ctap', { session: hid.result.session, command: 'cbor', data: '04' })).toMatchObject({
      type: 'error',
      error: { code: 'WRONG_LINK' },
    });
    expect(await raw.call('ctap', { session: hid.result.session, command: 'nmsg', data: '04' })).toMatchObject({
      type: 'error',
      error: { code: 'BAD_MESSAGE' },
    });
    raw.close();
  });
});
