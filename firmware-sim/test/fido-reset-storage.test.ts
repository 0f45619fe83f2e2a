/**
 * authenticatorReset (CTAP 2.1 §6.6: within 10 s of power-up, with a touch) and the storage discoverable credentials
 * share with the accounts (docs/protocol.md §5.3, §9.5): each takes credentialRecordBytes, KEY_STORE_FULL when none
 * fits, and CTAP GetInfo and HKP GetInfo follow.
 */
import { describe, expect, test } from 'vitest';
import { CtapCommand, CtapStatus, GetInfoKey, decodeResponse, encodeRequest } from '@hkey/protocol';
import { MAX_CREDENTIAL_RECORD_BYTES, credentialRecordBytes } from '../src/fido/fido-state.js';
import { type FidoKey, QueuedPresence, startFidoKey } from './fido-client.js';

const utf8 = new TextEncoder();

async function hkpStorageFree(fido: FidoKey): Promise<number> {
  const response = decodeResponse('GetInfo', (await fido.client.session.handle(encodeRequest('GetInfo', {}))) as Uint8Array);
  if (!response.ok) throw new Error(`GetInfo answered ${response.status}`);
  return response.result.storageFree;
}

async function remainingDiscoverable(fido: FidoKey): Promise<number> {
  return (await fido.client.getInfo()).body.get(GetInfoKey.remainingDiscoverableCredentials) as number;
}

describe('Reset (CTAP 2.1 §6.6)', () => {
  test('works up to 10 s after power-up with a touch, erases credentials and the FIDO PIN, keeps the counter and the accounts', async () => {
    const fido = await startFidoKey();
    await fido.client.makeCredential({ rk: true });
    expect(await fido.client.setPin('482913')).toBe(CtapStatus.OK);
    const created = decodeResponse('AccountCreate', (await fido.client.session.handle(encodeRequest('AccountCreate', { name: 'github' }))) as Uint8Array);
    expect(created.ok).toBe(true);
    const before = fido.key.state.fido;
    fido.clock.advance(10_000);
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.OK);
    const after = fido.key.state.fido;
    expect(after?.credentials).toEqual([]);
    expect(after?.pin).toBeUndefined();
    expect(after?.masterSecret).not.toEqual(before?.masterSecret);
    expect(after?.signCount).toBe(before?.signCount);
    expect(fido.key.state.accounts.map((account) => account.name)).toEqual(['github']);
    // A credential made before the reset is not recognised any more.
    expect((await fido.client.getAssertion()).status).toBe(CtapStatus.NO_CREDENTIALS);
  });

  test('is NOT_ALLOWED from 10 s after power-up; a power cycle opens the window again', async () => {
    const fido = await startFidoKey();
    await fido.client.makeCredential({ rk: true });
    fido.clock.advance(10_001);
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.NOT_ALLOWED);
    expect(fido.key.state.fido?.credentials).toHaveLength(1);
    await fido.powerCycle();
    fido.clock.advance(9_000);
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.OK);
    expect(fido.key.state.fido?.credentials).toEqual([]);
  });

  test('a refused, ignored or cancelled touch leaves everything in place', async () => {
    const presence = new QueuedPresence();
    const fido = await startFidoKey({ presence });
    await fido.client.makeCredential({ rk: true });
    presence.queue.push('denied', 'timeout', 'cancelled');
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.OPERATION_DENIED);
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.USER_ACTION_TIMEOUT);
    expect(await fido.client.status(CtapCommand.Reset)).toBe(CtapStatus.KEEPALIVE_CANCEL);
    expect(fido.key.state.fido?.credentials).toHaveLength(1);
    expect(presence.asked).toBe(4);
  });
});

describe('storage of discoverable credentials (docs/protocol.md §9.5)', () => {
  test('a discoverable credential takes credentialRecordBytes of the storage HKP GetInfo reports; a non-discoverable one none', async () => {
    const fido = await startFidoKey({ storageTotal: 4_000 });
    const free = await hkpStorageFree(fido);
    expect(await remainingDiscoverable(fido)).toBe(Math.floor(free / MAX_CREDENTIAL_RECORD_BYTES));
    await fido.client.makeCredential({ rk: false });
    expect(await hkpStorageFree(fido)).toBe(free);
    await fido.client.makeCredential({ rk: true });
    const record = fido.key.state.fido?.credentials[0];
    if (record === undefined) throw new Error('no record');
    // 32 + id 35 + "example.com" 11 + "Example" 7 + "user-1" 6 + "alice" 5 + "Alice" 5
    expect(credentialRecordBytes(record)).toBe(101);
    expect(await hkpStorageFree(fido)).toBe(free - 101);
    expect(await remainingDiscoverable(fido)).toBe(Math.floor((free - 101) / MAX_CREDENTIAL_RECORD_BYTES));
    // credBlob counts too.
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('user-2'), extensions: new Map([['credBlob', new Uint8Array(32)]]) });
    expect(await hkpStorageFree(fido)).toBe(free - 101 - 133);
  });

  test('KEY_STORE_FULL when the next record does not fit; replacing a user still works; deleting an account makes room', async () => {
    const fido = await startFidoKey({ storageTotal: 700 });
    const account = decodeResponse(
      'AccountCreate',
      (await fido.client.session.handle(encodeRequest('AccountCreate', { name: 'filler', password: 'x'.repeat(60) }))) as Uint8Array,
    );
    if (!account.ok) throw new Error('AccountCreate failed');
    let made = 0;
    let status: number = CtapStatus.OK;
    while (status === CtapStatus.OK) {
      status = (await fido.client.makeCredential({ rk: true, userId: utf8.encode(`user-${String(made).padStart(2, '0')}`) })).status;
      if (status === CtapStatus.OK) made++;
    }
    expect(status).toBe(CtapStatus.KEY_STORE_FULL);
    const free = await hkpStorageFree(fido);
    expect(free).toBeGreaterThanOrEqual(0);
    expect(free).toBeLessThan(105);
    expect(fido.key.state.fido?.credentials).toHaveLength(made);
    expect(await remainingDiscoverable(fido)).toBe(0);
    // Nothing was written by the refused request, and no touch was asked for it.
    const presence = fido.presence as QueuedPresence;
    const asked = presence.asked;
    expect((await fido.client.makeCredential({ rk: true, userId: utf8.encode('user-xx') })).status).toBe(CtapStatus.KEY_STORE_FULL);
    expect(presence.asked).toBe(asked);
    // Non-discoverable credentials need no storage; the same user is replaced in place.
    expect((await fido.client.makeCredential({ rk: false })).status).toBe(CtapStatus.OK);
    expect((await fido.client.makeCredential({ rk: true, userId: utf8.encode('user-00') })).status).toBe(CtapStatus.OK);
    expect(await hkpStorageFree(fido)).toBe(free);
    const deleted = decodeResponse(
      'AccountDelete',
      (await fido.client.session.handle(encodeRequest('AccountDelete', { id: account.result.id }))) as Uint8Array,
    );
    expect(deleted.ok).toBe(true);
    expect((await fido.client.makeCredential({ rk: true, userId: utf8.encode('user-xx') })).status).toBe(CtapStatus.OK);
  });

  test('the accounts see the credentials: AccountCreate answers STORAGE_FULL once FIDO filled the storage', async () => {
    const fido = await startFidoKey({ storageTotal: 250 });
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('a') });
    await fido.client.makeCredential({ rk: true, userId: utf8.encode('b') });
    expect(await hkpStorageFree(fido)).toBe(250 - 96 - 96);
    const created = decodeResponse(
      'AccountCreate',
      (await fido.client.session.handle(encodeRequest('AccountCreate', { name: 'n', password: 'p'.repeat(60) }))) as Uint8Array,
    );
    expect(created.ok ? 'OK' : created.status).toBe('STORAGE_FULL');
  });
});
