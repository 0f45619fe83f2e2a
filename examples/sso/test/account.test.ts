/** The account: another key (never the same one twice), removing a key (never the last), both keys signing in. */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { CtapError } from '@hkey/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FidoBrowser } from './fido-browser.js';
import { HttpClient } from './http-client.js';
import { PASSWORD, PIN, type Rig, enroll, loginPasswordless, loginWithPassword, registerKey, startRig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  expect(rig.internalErrors).toEqual([]);
  await rig.close();
});

async function afterPassword(email: string): Promise<HttpClient> {
  const client = new HttpClient(rig.app);
  await client.ok('/api/login/password', { email, password: PASSWORD });
  return client;
}

describe('another key', () => {
  test('a second key is added and signs in; the options exclude the keys the account has', async () => {
    const pat = await enroll(rig, 'password');
    const client = await loginWithPassword(rig, pat);
    const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
    expect(options.excludeCredentials?.map((credential) => credential.id)).toEqual([pat.credentialId]);
    const spare = await FidoBrowser.start(rig.app.origin);
    const added = await client.ok<{ key: { id: string; name: string } }>('/api/keys/register/verify', { response: await spare.create(options) });
    expect(added.key.name).toBe('Security key 2');
    const page = (await client.get('/account')).text;
    expect(page).toContain(`data-key-id="${pat.credentialId}"`);
    expect(page).toContain(`data-key-id="${added.key.id}"`);
    expect((await (await loginWithPassword(rig, pat, spare)).get('/account')).status).toBe(200);
    await Promise.all([pat.browser.close(), spare.close()]);
  });

  test('the same key again: the key itself refuses (CREDENTIAL_EXCLUDED), so a browser says InvalidStateError', async () => {
    const nora = await enroll(rig, 'passwordless');
    const client = await loginPasswordless(rig, nora.browser);
    const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
    const refusal = await nora.browser.create(options, PIN).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CtapError);
    expect((refusal as CtapError).code).toBe('CTAP_CREDENTIAL_EXCLUDED');
    await nora.browser.close();
  });

  test('a passwordless account’s keys are all discoverable and PIN-verified: each signs in alone', async () => {
    const nora = await enroll(rig, 'passwordless');
    const spare = await FidoBrowser.start(rig.app.origin, PIN);
    await registerKey(await loginPasswordless(rig, nora.browser), spare, PIN);
    expect((await (await loginPasswordless(rig, spare)).get('/account')).text).toContain(nora.email);
    await Promise.all([nora.browser.close(), spare.close()]);
  });
});

describe('removing a key', () => {
  test('one of two goes and no longer signs in; the last one stays', async () => {
    const pat = await enroll(rig, 'password');
    const spare = await FidoBrowser.start(rig.app.origin);
    const client = await loginWithPassword(rig, pat);
    const { key } = await registerKey(client, spare);
    expect(await client.ok('/api/keys/remove', { id: pat.credentialId })).toEqual({ removed: pat.credentialId });
    // The server no longer offers it, and refuses it when a key answers with it anyway.
    const login = await afterPassword(pat.email);
    const options = await login.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([key.id]);
    const response = await pat.browser.get({ ...options, allowCredentials: [{ id: pat.credentialId, type: 'public-key' }] });
    expect((await login.post('/api/login/second-factor/verify', { response })).json.error?.code).toBe('UNKNOWN_KEY');
    const last = await client.post('/api/keys/remove', { id: key.id });
    expect(last.status).toBe(409);
    expect(last.json.error?.code).toBe('LAST_KEY');
    expect((await client.post('/api/keys/remove', { id: 'not-a-key' })).json.error?.code).toBe('KEY_NOT_FOUND');
    await Promise.all([pat.browser.close(), spare.close()]);
  });

  test('nobody removes another account’s key', async () => {
    const pat = await enroll(rig, 'password');
    const nora = await enroll(rig, 'passwordless');
    const reply = await (await loginPasswordless(rig, nora.browser)).post('/api/keys/remove', { id: pat.credentialId });
    expect(reply.json.error?.code).toBe('KEY_NOT_FOUND');
    expect(rig.app.services.credentials.byId(pat.credentialId)).toBeDefined();
    await Promise.all([pat.browser.close(), nora.browser.close()]);
  });
});

describe('changes to the account need a fresh proof (five minutes) and end the other sessions', () => {
  const STALE = 5 * 60_000 + 1;

  test('a key session older than five minutes confirms with the key again; each change then ends every other session', async () => {
    const pat = await enroll(rig, 'password');
    const client = await loginWithPassword(rig, pat);
    rig.advance(STALE);
    for (const [path, body] of [
      ['/api/keys/register/options', {}],
      ['/api/keys/remove', { id: pat.credentialId }],
      ['/api/recovery-codes', {}],
    ] as const) {
      const reply = await client.post(path, body);
      expect(reply.status).toBe(403);
      expect(reply.json.error?.code).toBe('REAUTH_REQUIRED');
    }
    // The password alone is weaker than the key that signed this session in.
    expect((await client.post('/api/reauth/password', { password: PASSWORD })).json.error?.code).toBe('WRONG_STEP');
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/reauth/options');
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([pat.credentialId]);
    await client.ok('/api/reauth/verify', { response: await pat.browser.get(options) });

    const spare = await FidoBrowser.start(rig.app.origin);
    const changes: (() => Promise<unknown>)[] = [
      () => registerKey(client, spare),
      () => client.ok('/api/keys/remove', { id: pat.credentialId }),
      () => client.ok('/api/recovery-codes'),
    ];
    for (const change of changes) {
      const other = await loginWithPassword(rig, pat, rig.app.services.credentials.byId(pat.credentialId) === undefined ? spare : pat.browser);
      await change();
      expect((await other.get('/account')).headers.location).toBe('/login');
      expect((await client.get('/account')).status).toBe(200);
    }
    await Promise.all([pat.browser.close(), spare.close()]);
  });

  test('a recovery-code session confirms with the password, which must be no older than five minutes', async () => {
    const pat = await enroll(rig, 'password');
    const client = await afterPassword(pat.email);
    rig.advance(STALE);
    await client.ok('/api/login/recovery', { code: pat.recoveryCodes[0] });
    expect((await client.post('/api/keys/register/options')).json.error?.code).toBe('REAUTH_REQUIRED');
    const wrong = await client.post('/api/reauth/password', { password: 'not the password at all' });
    expect(wrong.json.error?.code).toBe('BAD_CREDENTIALS');
    await client.ok('/api/reauth/password', { password: PASSWORD });
    const spare = await FidoBrowser.start(rig.app.origin);
    expect((await registerKey(client, spare)).key.id).toBeDefined();
    await Promise.all([pat.browser.close(), spare.close()]);
  });

  test('a passwordless account signed in with a code may add a key at once (its key is lost), not five minutes later', async () => {
    const nora = await enroll(rig, 'passwordless');
    const client = new HttpClient(rig.app);
    await client.ok('/api/login/recovery', { email: nora.email, code: nora.recoveryCodes[0] });
    const spare = await FidoBrowser.start(rig.app.origin, PIN);
    await registerKey(client, spare, PIN);
    rig.advance(STALE);
    expect((await client.post('/api/recovery-codes')).json.error?.code).toBe('REAUTH_REQUIRED');
    expect((await client.post('/api/reauth/password', { password: '' })).json.error?.code).toBe('WRONG_STEP');
    await Promise.all([nora.browser.close(), spare.close()]);
  });
});
