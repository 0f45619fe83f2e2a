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
