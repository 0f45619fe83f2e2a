/**
 * Which credentials an assertion may use (CTAP 2.1 §6.2.2, §12.1 credProtect), excludeList (§6.1.2 step 7),
 * replacing a discoverable credential of the same user, and GetNextAssertion's order and expiry (§6.3).
 */
import { describe, expect, test } from 'vitest';
import { AuthenticatorDataFlag, CtapCommand, CtapStatus, type CtapMap, PinPermission, decodeAuthenticatorData } from '@hkey/protocol';
import { type CtapAnswer, type FidoKey, QueuedPresence, startFidoKey } from './fido-client.js';

const utf8 = new TextEncoder();
const PIN = '482913';

function credentialIdOf(answer: CtapAnswer): Uint8Array {
  expect(answer.status).toBe(CtapStatus.OK);
  const attested = decodeAuthenticatorData(answer.body.get(2) as Uint8Array).attested;
  if (attested === undefined) throw new Error('no attested credential data');
  return attested.credentialId;
}

function assertedId(answer: CtapAnswer): Uint8Array {
  expect(answer.status).toBe(CtapStatus.OK);
  return (answer.body.get(1) as CtapMap).get('id') as Uint8Array;
}

function userIdOf(answer: CtapAnswer): string {
  return new TextDecoder().decode((answer.body.get(4) as CtapMap).get('id') as Uint8Array);
}

function signCountOf(answer: CtapAnswer): number {
  return decodeAuthenticatorData(answer.body.get(2) as Uint8Array).signCount;
}

/** Three discoverable credentials for example.com, credProtect 1, 2 and 3 (made in that order), then a PIN. */
async function protectedKey(): Promise<{ fido: FidoKey; ids: Uint8Array[]; token: () => Promise<Uint8Array> }> {
  const fido = await startFidoKey();
  const ids: Uint8Array[] = [];
  for (const level of [1, 2, 3]) {
    ids.push(
      credentialIdOf(await fido.client.makeCredential({ rk: true, userId: utf8.encode(`user-${level}`), extensions: new Map([['credProtect', level]]) })),
    );
  }
  expect(await fido.client.setPin(PIN)).toBe(CtapStatus.OK);
  const token = async (): Promise<Uint8Array> => {
    const issued = await fido.client.pinToken(PIN, { permissions: PinPermission.getAssertion | PinPermission.makeCredential, rpId: 'example.com' });
    expect(issued.status).toBe(CtapStatus.OK);
    return issued.token as Uint8Array;
  };
  return { fido, ids, token };
}

describe('credProtect (CTAP 2.1 §12.1)', () => {
  test('without user verification and without an allow list only level 1 is found, and without its user names', async () => {
    const { fido, ids } = await protectedKey();
    const answer = await fido.client.getAssertion();
    expect(assertedId(answer)).toEqual(ids[0]);
    expect(answer.body.has(5)).toBe(false); // numberOfCredentials: just the one
    expect([...(answer.body.get(4) as CtapMap).keys()]).toEqual(['id']);
    expect(decodeAuthenticatorData(answer.body.get(2) as Uint8Array).flags & AuthenticatorDataFlag.UV).toBe(0);
  });

  test('with user verification all three are found, newest first, with their names', async () => {
    const { fido, token } = await protectedKey();
    const answer = await fido.client.getAssertion({}, { token: await token() });
    expect(answer.body.get(5)).toBe(3);
    expect(userIdOf(answer)).toBe('user-3');
    expect((answer.body.get(4) as CtapMap).get('name')).toBe('alice');
    expect(decodeAuthenticatorData(answer.body.get(2) as Uint8Array).flags & AuthenticatorDataFlag.UV).toBe(AuthenticatorDataFlag.UV);
  });

  test('with an allow list, level 2 needs no user verification and level 3 does', async () => {
    const { fido, ids, token } = await protectedKey();
    expect(assertedId(await fido.client.getAssertion({ allowList: [ids[1] as Uint8Array] }))).toEqual(ids[1]);
    expect((await fido.client.getAssertion({ allowList: [ids[2] as Uint8Array] })).status).toBe(CtapStatus.NO_CREDENTIALS);
    // The level 3 id is skipped, the next one in the list is used.
    expect(assertedId(await fido.client.getAssertion({ allowList: [ids[2] as Uint8Array, ids[0] as Uint8Array] }))).toEqual(ids[0]);
    expect(assertedId(await fido.client.getAssertion({ allowList: [ids[2] as Uint8Array] }, { token: await token() }))).toEqual(ids[2]);
  });

  test('a non-discoverable level 3 credential needs user verification too', async () => {
    const { fido, token } = await protectedKey();
    const issued = await token();
    const id = credentialIdOf(await fido.client.makeCredential({ rpId: 'example.com', extensions: new Map([['credProtect', 3]]) }, { token: issued }));
    expect((await fido.client.getAssertion({ allowList: [id] })).status).toBe(CtapStatus.NO_CREDENTIALS);
    expect(assertedId(await fido.client.getAssertion({ allowList: [id] }, { token: issued }))).toEqual(id);
  });

  test('an id made for another RP is not found', async () => {
    const { fido, ids } = await protectedKey();
    expect((await fido.client.getAssertion({ rpId: 'other.example', allowList: [ids[0] as Uint8Array] })).status).toBe(CtapStatus.NO_CREDENTIALS);
  });
});

describe('excludeList (CTAP 2.1 §6.1.2 step 7)', () => {
  test('an excluded credential of this key answers CREDENTIAL_EXCLUDED after a touch; a level 3 one only with user verification', async () => {
    const { fido, ids, token } = await protectedKey();
    const issued = await token();
    const before = fido.key.state.fido?.credentials.length;
    expect((await fido.client.makeCredential({ rk: true, userId: utf8.encode('user-9'), excludeList: [ids[0] as Uint8Array] }, { token: issued })).status).toBe(
      CtapStatus.CREDENTIAL_EXCLUDED,
    );
    expect(fido.key.state.fido?.credentials.length).toBe(before);
    // Without UV a level 3 credential stays hidden, so the exclusion cannot reveal it: a new credential is made.
    expect((await fido.client.makeCredential({ excludeList: [ids[2] as Uint8Array] })).status).toBe(CtapStatus.OK);
    expect((await fido.client.makeCredential({ excludeList: [ids[2] as Uint8Array] }, { token: issued })).status).toBe(CtapStatus.CREDENTIAL_EXCLUDED);
  });

  test('ids of another RP or of no key do not exclude', async () => {
    const { fido, ids } = await protectedKey();
    const foreign = new Uint8Array(35).fill(7);
    expect((await fido.client.makeCredential({ rpId: 'other.example', excludeList: [ids[0] as Uint8Array, foreign] })).status).toBe(CtapStatus.OK);
  });

  test('the user must still touch the key before the exclusion is told', async () => {
    const { fido, ids } = await protectedKey();
    (fido.presence as QueuedPresence).queue.push('denied');
    expect((await fido.client.makeCredential({ excludeList: [ids[0] as Uint8Array] })).status).toBe(CtapStatus.OPERATION_DENIED);
  });
});

describe('discoverable credentials of the same user', () => {
  test('a second registration of the same user replaces the first, whose id stops working', async () => {
    const fido = await startFidoKey();
    const first = credentialIdOf(await fido.client.makeCredential({ rk: true, userId: utf8.encode('same') }));
    const second = credentialIdOf(await fido.client.makeCredential({ rk: true, userId: utf8.encode('same'), userName: 'renamed' }));
    expect(second).not.toEqual(first);
    const records = fido.key.state.fido?.credentials ?? [];
    expect(records).toHaveLength(1);
    expect(records[0]?.credentialId).toEqual(second);
    expect(records[0]?.userName).toBe('renamed');
    expect((await fido.client.getAssertion({ allowList: [first] })).status).toBe(CtapStatus.NO_CREDENTIALS);
    expect(assertedId(await fido.client.getAssertion({ allowList: [second] }))).toEqual(second);
  });

  test('the same user id at another RP, or another user at this RP, is a second credential', async () => {
    const fido = await startFidoKey();
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('same') });
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('same'), rpId: 'other.example' });
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('other') });
    expect(fido.key.state.fido?.credentials).toHaveLength(3);
  });
});

describe('GetNextAssertion (CTAP 2.1 §6.3)', () => {
  async function threeUsers(): Promise<FidoKey> {
    const fido = await startFidoKey();
    for (const name of ['first', 'second', 'third']) await fido.client.makeCredential({ rk: true, userId: utf8.encode(name) });
    return fido;
  }

  test('hands out the remaining credentials newest first, each with a new counter, then NOT_ALLOWED', async () => {
    const fido = await threeUsers();
    const answers = [await fido.client.getAssertion()];
    expect(answers[0]?.body.get(5)).toBe(3);
    answers.push(await fido.client.call(CtapCommand.GetNextAssertion), await fido.client.call(CtapCommand.GetNextAssertion));
    expect(answers.map(userIdOf)).toEqual(['third', 'second', 'first']);
    expect(answers.slice(1).every((answer) => !answer.body.has(5))).toBe(true);
    expect(answers.map(signCountOf)).toEqual([4, 5, 6]);
    expect((await fido.client.call(CtapCommand.GetNextAssertion)).status).toBe(CtapStatus.NOT_ALLOWED);
  });

  test('expires 30 seconds after the last GetAssertion or GetNextAssertion (each one restarts the timer)', async () => {
    const fido = await threeUsers();
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('fourth') });
    await fido.client.getAssertion();
    fido.clock.advance(30_000);
    expect(userIdOf(await fido.client.call(CtapCommand.GetNextAssertion))).toBe('third');
    // 55 s after the GetAssertion, 25 s after the last GetNextAssertion.
    fido.clock.advance(25_000);
    expect(userIdOf(await fido.client.call(CtapCommand.GetNextAssertion))).toBe('second');
    fido.clock.advance(30_001);
    expect((await fido.client.call(CtapCommand.GetNextAssertion)).status).toBe(CtapStatus.NOT_ALLOWED);
    // And stays gone: the pending list was dropped.
    fido.clock.advance(-1);
    expect((await fido.client.call(CtapCommand.GetNextAssertion)).status).toBe(CtapStatus.NOT_ALLOWED);
  });

  test('is NOT_ALLOWED without a GetAssertion, after one with a single credential, and after a power cycle', async () => {
    const fido = await threeUsers();
    expect((await fido.client.call(CtapCommand.GetNextAssertion)).status).toBe(CtapStatus.NOT_ALLOWED);
    const only = fido.key.state.fido?.credentials[0]?.credentialId as Uint8Array;
    await fido.client.getAssertion({ allowList: [only] });
    expect((await fido.client.call(CtapCommand.GetNextAssertion)).status).toBe(CtapStatus.NOT_ALLOWED);
    await fido.client.getAssertion();
    await fido.powerCycle();
    expect((await fido.client.call(CtapCommand.GetNextAssertion)).status).toBe(CtapStatus.NOT_ALLOWED);
  });
});
