/**
 * What the security-key mode keeps across restarts (docs/protocol.md §9.5): the signature counter (never repeated,
 * CTAP 2.1 §6.1.2), the FIDO state in the state file (round trip, damaged fields refused), and U2F's user-presence
 * rule (a request that needs a touch answers 6985 and starts a wait; a press counts once, for 10 s).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CtapStatus, U2fInstruction, U2fStatusWord, decodeAuthenticatorData, encodeU2fRequest, sha256 } from '@hkey/protocol';
import { Button, StateFileError, stateFromJson, stateToJson } from '@hkey/firmware-sim';
import { FileStore } from '@hkey/firmware-sim/node';
import { type CtapAnswer, type FidoKey, startFidoKey } from './fido-client.js';

const utf8 = new TextEncoder();

function signCountOf(answer: CtapAnswer): number {
  expect(answer.status).toBe(CtapStatus.OK);
  return decodeAuthenticatorData(answer.body.get(2) as Uint8Array).signCount;
}

describe('signature counter', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'hkey-fido-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  test('continues from the state file after a restart, after Reset, and U2F shares it', async () => {
    const path = join(directory, 'key.json');
    const first = await startFidoKey({ store: new FileStore(path) });
    const counts = [signCountOf(await first.client.makeCredential({ rk: true }))];
    for (let i = 0; i < 3; i++) counts.push(signCountOf(await first.client.getAssertion()));
    const second = await startFidoKey({ store: new FileStore(path) });
    counts.push(signCountOf(await second.client.getAssertion()));
    expect(await second.client.status(0x07)).toBe(CtapStatus.OK);
    counts.push(signCountOf(await second.client.makeCredential({ rk: true })));
    const u2f = await second.client.session.u2f(
      encodeU2fRequest({ cla: 0, ins: U2fInstruction.AUTHENTICATE, p1: 0x08, p2: 0, data: authenticateData(new Uint8Array(35)) }),
    );
    expect(statusWord(u2f as Uint8Array)).toBe(U2fStatusWord.WRONG_DATA);
    const third = await startFidoKey({ store: new FileStore(path) });
    counts.push(signCountOf(await third.client.getAssertion()));
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('FIDO state in the state file', () => {
  async function usedKey(): Promise<FidoKey> {
    const fido = await startFidoKey();
    await fido.client.makeCredential({ rk: true, extensions: new Map([['credBlob', utf8.encode('blob')]]) });
    await fido.client.makeCredential({ rk: true, rpId: 'other.example', userId: utf8.encode('u2') });
    expect(await fido.client.setPin('482913')).toBe(CtapStatus.OK);
    return fido;
  }

  test('survives JSON unchanged', async () => {
    const state = (await usedKey()).key.state;
    expect(stateFromJson(JSON.parse(JSON.stringify(stateToJson(state))))).toEqual(state);
  });

  type Json = Record<string, unknown> & { fido: Record<string, unknown> & { pin: Record<string, unknown>; credentials: Record<string, unknown>[] } };
  const damages: readonly [string, string, (json: Json) => void][] = [
    ['fido', 'not an object', (json) => (json.fido = 'x' as never)],
    ['fido.masterSecret', '31 bytes', (json) => (json.fido.masterSecret = btoa('a'.repeat(31)))],
    ['fido.masterSecret', 'missing', (json) => delete json.fido.masterSecret],
    ['fido.signCount', 'negative', (json) => (json.fido.signCount = -1)],
    ['fido.signCount', 'beyond 32 bits', (json) => (json.fido.signCount = 2 ** 32)],
    ['fido.signCount', 'text', (json) => (json.fido.signCount = '3')],
    ['fido.pin.hash', '15 bytes', (json) => (json.fido.pin.hash = btoa('h'.repeat(15)))],
    ['fido.pin.retries', '9 tries', (json) => (json.fido.pin.retries = 9)],
    ['fido.pin.length', 'zero', (json) => (json.fido.pin.length = 0)],
    ['fido.pin.length', '64', (json) => (json.fido.pin.length = 64)],
    ['fido.credentials', 'not a list', (json) => (json.fido.credentials = {} as never)],
    ['fido.credentials[0].credentialId', 'not base64', (json) => (json.fido.credentials[0]!.credentialId = '!!')],
    ['fido.credentials[0].credentialId', 'empty', (json) => (json.fido.credentials[0]!.credentialId = '')],
    ['fido.credentials[0].rpId', 'empty', (json) => (json.fido.credentials[0]!.rpId = '')],
    ['fido.credentials[1].rpId', 'missing', (json) => delete json.fido.credentials[1]!.rpId],
    ['fido.credentials[0].userId', '65 bytes', (json) => (json.fido.credentials[0]!.userId = btoa('u'.repeat(65)))],
    ['fido.credentials[0].credBlob', '33 bytes', (json) => (json.fido.credentials[0]!.credBlob = btoa('b'.repeat(33)))],
    ['fido.credentials[0].userName', '65 bytes', (json) => (json.fido.credentials[0]!.userName = 'n'.repeat(65))],
    ['fido.credentials[0].created', 'a fraction', (json) => (json.fido.credentials[0]!.created = 0.5)],
    ['fido.nextCreated', 'not above a creation number', (json) => (json.fido.nextCreated = json.fido.credentials[1]!.created)],
    [
      'fido.credentials[1].credentialId',
      'the same id twice',
      (json) => (json.fido.credentials[1] = { ...json.fido.credentials[0], created: json.fido.credentials[1]!.created }),
    ],
    [
      'fido.credentials[1]',
      'the same user of the same RP twice',
      (json) => (json.fido.credentials[1] = { ...json.fido.credentials[1], rpId: 'example.com', userId: json.fido.credentials[0]!.userId }),
    ],
    ['storageTotal', 'too small for the credentials', (json) => (json.storageTotal = 150)],
  ];

  test.each(damages)('refuses %s (%s), naming it', async (path, _what, damage) => {
    const json = JSON.parse(JSON.stringify(stateToJson((await usedKey()).key.state))) as Json;
    damage(json);
    let error: unknown;
    try {
      stateFromJson(json);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toContain(`"${path}`);
    expect((error as Error).message).toContain('--reset-state');
  });
});

function statusWord(response: Uint8Array): number {
  return ((response[response.length - 2] as number) << 8) | (response[response.length - 1] as number);
}

const CHALLENGE = new Uint8Array(32).fill(0xc1);
const APPLICATION = new Uint8Array(32).fill(0xa2);

function authenticateData(handle: Uint8Array, application: Uint8Array = APPLICATION): Uint8Array {
  return Uint8Array.from([...CHALLENGE, ...application, handle.length, ...handle]);
}

describe('U2F user presence (U2F Raw Message Formats §4, §5)', () => {
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  async function u2fKey(): Promise<{ fido: FidoKey; button: Button; send: (ins: number, p1: number, data: Uint8Array) => Promise<Uint8Array> }> {
    const button = new Button();
    const fido = await startFidoKey({ presence: button });
    const send = async (ins: number, p1: number, data: Uint8Array): Promise<Uint8Array> => {
      const response = await fido.client.session.u2f(encodeU2fRequest({ cla: 0, ins, p1, p2: 0, data }));
      if (response === undefined) throw new Error('no answer');
      await tick();
      return response;
    };
    return { fido, button, send };
  }

  const registerData = Uint8Array.from([...CHALLENGE, ...APPLICATION]);

  test('register answers 6985 and waits for the button; one press registers once', async () => {
    const { button, send } = await u2fKey();
    expect(statusWord(await send(U2fInstruction.REGISTER, 0, registerData))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
    expect(button.waiting?.reason).toBe('U2F register');
    // Asking again does not start a second wait.
    expect(statusWord(await send(U2fInstruction.REGISTER, 0, registerData))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
    expect(button.press()).toBe(true);
    await tick();
    const registered = await send(U2fInstruction.REGISTER, 0, registerData);
    expect(statusWord(registered)).toBe(U2fStatusWord.NO_ERROR);
    expect(registered[0]).toBe(0x05);
    expect(statusWord(await send(U2fInstruction.REGISTER, 0, registerData))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
  });

  test('a press counts for 10 s only', async () => {
    const { fido, button, send } = await u2fKey();
    await send(U2fInstruction.REGISTER, 0, registerData);
    button.press();
    await tick();
    fido.clock.advance(10_001);
    expect(statusWord(await send(U2fInstruction.REGISTER, 0, registerData))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
  });

  test('authenticate: check-only and enforce need the handle of this application; a press is used once; dont-enforce needs none', async () => {
    const { button, send } = await u2fKey();
    await send(U2fInstruction.REGISTER, 0, registerData);
    button.press();
    await tick();
    const registered = await send(U2fInstruction.REGISTER, 0, registerData);
    const handle = registered.subarray(67, 67 + (registered[66] as number));
    expect(statusWord(await send(U2fInstruction.AUTHENTICATE, 0x07, authenticateData(handle)))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
    expect(statusWord(await send(U2fInstruction.AUTHENTICATE, 0x07, authenticateData(handle, new Uint8Array(32))))).toBe(U2fStatusWord.WRONG_DATA);
    expect(statusWord(await send(U2fInstruction.AUTHENTICATE, 0x03, authenticateData(handle)))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
    button.press();
    await tick();
    const signed = await send(U2fInstruction.AUTHENTICATE, 0x03, authenticateData(handle));
    expect(statusWord(signed)).toBe(U2fStatusWord.NO_ERROR);
    expect(signed[0]).toBe(1);
    expect(statusWord(await send(U2fInstruction.AUTHENTICATE, 0x03, authenticateData(handle)))).toBe(U2fStatusWord.CONDITIONS_NOT_SATISFIED);
    const silent = await send(U2fInstruction.AUTHENTICATE, 0x08, authenticateData(handle));
    expect(statusWord(silent)).toBe(U2fStatusWord.NO_ERROR);
    expect(silent[0]).toBe(0);
    // The counter went on: 1 for the press-signed assertion, 2 for the silent one.
    expect([...silent.subarray(1, 5)]).toEqual([0, 0, 0, 2]);
  });

  test('a CTAP credential signs over U2F only while it is on the key and does not need user verification (credProtect 3)', async () => {
    const fido = await startFidoKey();
    const register = async (options: Parameters<FidoKey['client']['makeCredential']>[0]): Promise<Uint8Array> => {
      const answer = await fido.client.makeCredential({ rpId: 'example.com', ...options });
      return decodeAuthenticatorData(answer.body.get(2) as Uint8Array).attested?.credentialId as Uint8Array;
    };
    const authenticate = async (id: Uint8Array): Promise<number> => {
      const data = authenticateData(id, sha256(utf8.encode('example.com')));
      return statusWord((await fido.client.session.u2f(encodeU2fRequest({ cla: 0, ins: U2fInstruction.AUTHENTICATE, p1: 0x08, p2: 0, data }))) as Uint8Array);
    };
    const plain = await register({ rk: false });
    const optional = await register({ rk: true, userId: utf8.encode('u1'), extensions: new Map([['credProtect', 2]]) });
    const required = await register({ rk: true, userId: utf8.encode('u2'), extensions: new Map([['credProtect', 3]]) });
    expect(await authenticate(plain)).toBe(U2fStatusWord.NO_ERROR);
    expect(await authenticate(optional)).toBe(U2fStatusWord.NO_ERROR);
    expect(await authenticate(required)).toBe(U2fStatusWord.WRONG_DATA);
    // Registering user u1 again replaces its credential: the old id is gone for U2F too.
    await register({ rk: true, userId: utf8.encode('u1') });
    expect(await authenticate(optional)).toBe(U2fStatusWord.WRONG_DATA);
  });

  test('a wait nobody answers times out, and the next request starts a new one', async () => {
    const { fido, button, send } = await u2fKey();
    await send(U2fInstruction.REGISTER, 0, registerData);
    fido.clock.advance(30_000);
    await tick();
    expect(button.waiting).toBeUndefined();
    await send(U2fInstruction.REGISTER, 0, registerData);
    expect(button.waiting).toBeDefined();
  });
});
