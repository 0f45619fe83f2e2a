/** Signing in: password then key, passwordless (usernameless, PIN), single-use expiring challenges, guessing brakes. */
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from './http-client.js';
import { type Enrolled, PASSWORD, PIN, type Rig, enroll, loginPasswordless, loginWithPassword, startRig } from './rig.js';

let rig: Rig;
let pat: Enrolled;
let nora: Enrolled;
beforeAll(async () => {
  rig = await startRig();
  pat = await enroll(rig, 'password', 'pat@example.com');
  nora = await enroll(rig, 'passwordless', 'nora@example.com');
});
afterAll(async () => {
  expect(rig.internalErrors).toEqual([]);
  await Promise.all([pat.browser.close(), nora.browser.close()]);
  await rig.close();
});

async function afterPassword(email = pat.email): Promise<HttpClient> {
  const client = new HttpClient(rig.app);
  await client.ok('/api/login/password', { email, password: PASSWORD });
  return client;
}

describe('password, then the security key', () => {
  test('signs in; the key is named in allowCredentials and no PIN is asked; the counter and last use are kept', async () => {
    const client = await afterPassword();
    expect((await client.get('/login/security-key')).text).toContain('Use security key');
    expect((await client.get('/account')).headers.location).toBe('/login');
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('discouraged');
    expect(options.allowCredentials?.map((credential) => credential.id)).toEqual([pat.credentialId]);
    expect(await client.ok('/api/login/second-factor/verify', { response: await pat.browser.get(options) })).toEqual({ next: '/account' });
    expect((await client.get('/account')).status).toBe(200);
    const stored = rig.app.services.credentials.byId(pat.credentialId);
    expect(stored?.counter).toBeGreaterThan(0);
    expect(stored?.lastUsedAt).toBeDefined();
  });

  test('a wrong password and an unknown account get the same answer', async () => {
    const wrong = await new HttpClient(rig.app).post('/api/login/password', { email: pat.email, password: 'not the password' });
    const unknown = await new HttpClient(rig.app).post('/api/login/password', { email: 'nobody@example.com', password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.json.error).toEqual({ code: 'BAD_CREDENTIALS', message: 'The e-mail address or the password is wrong.' });
  });

  test('a passwordless account has no password to sign in with', async () => {
    const reply = await new HttpClient(rig.app).post('/api/login/password', { email: nora.email, password: '' });
    expect(reply.json.error?.code).toBe('BAD_CREDENTIALS');
  });

  test('the key step needs the password step first', async () => {
    const reply = await new HttpClient(rig.app).post('/api/login/second-factor/options');
    expect(reply.json.error?.code).toBe('NOT_SIGNED_IN');
  });

  test('another account’s key is refused', async () => {
    const client = await afterPassword();
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
    const response = await nora.browser.get({ ...options, allowCredentials: [] }, PIN);
    expect((await client.post('/api/login/second-factor/verify', { response })).json.error?.code).toBe('UNKNOWN_KEY');
  });

  test('an answer is good once, and a challenge expires with the ceremony', async () => {
    const client = await afterPassword();
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
    const response = await pat.browser.get(options);
    const tampered = { ...response, response: { ...response.response, signature: Buffer.from('nope').toString('base64url') } };
    expect((await client.post('/api/login/second-factor/verify', { response: tampered })).json.error?.code).toBe('LOGIN_FAILED');
    expect((await client.post('/api/login/second-factor/verify', { response })).json.error?.code).toBe('NO_CHALLENGE');

    const late = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
    const lateResponse = await pat.browser.get(late);
    rig.advance(60_000 + 30_001);
    expect((await client.post('/api/login/second-factor/verify', { response: lateResponse })).json.error?.code).toBe('NO_CHALLENGE');
  });

  test('an answer made for another origin is refused', async () => {
    const client = await afterPassword();
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/second-factor/options');
    // The right key, used through a page on another origin: its clientDataJSON names that origin.
    const response = await pat.browser.at('https://login.evil.example').get(options);
    expect((await client.post('/api/login/second-factor/verify', { response })).json.error?.code).toBe('LOGIN_FAILED');
  });

  test('after five wrong passwords the account is locked for a while, even for the right one', async () => {
    const email = (await enroll(rig, 'password')).email;
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await new HttpClient(rig.app).post('/api/login/password', { email, password: `guess number ${attempt}` })).status).toBe(401);
    }
    const locked = await new HttpClient(rig.app).post('/api/login/password', { email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.json.error?.code).toBe('TOO_MANY_ATTEMPTS');
    rig.advance(15 * 60_000);
    expect((await new HttpClient(rig.app).post('/api/login/password', { email, password: PASSWORD })).status).toBe(200);
  });
});

describe('guessing brakes', () => {
  test('thirty wrong passwords at once: five are checked, the rest refused as locked', async () => {
    const { email, browser } = await enroll(rig, 'password');
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, attempt) => new HttpClient(rig.app).post('/api/login/password', { email, password: `parallel guess ${attempt}` })),
    );
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(5);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(25);
    await browser.close();
  });

  test('wrong recovery codes do not lock the password, and wrong passwords do not lock the recovery codes', async () => {
    const victim = await enroll(rig, 'password');
    for (let attempt = 0; attempt < 6; attempt++) await new HttpClient(rig.app).post('/api/login/recovery', { email: victim.email, code: '00000000' });
    expect((await new HttpClient(rig.app).post('/api/login/password', { email: victim.email, password: PASSWORD })).status).toBe(200);

    const passwordless = await enroll(rig, 'passwordless');
    for (let attempt = 0; attempt < 6; attempt++) await new HttpClient(rig.app).post('/api/login/password', { email: passwordless.email, password: 'guess' });
    const recovered = await new HttpClient(rig.app).post('/api/login/recovery', { email: passwordless.email, code: passwordless.recoveryCodes[0] });
    expect(recovered.status).toBe(200);
    await Promise.all([victim.browser.close(), passwordless.browser.close()]);
  });
});

describe('passwordless (usernameless)', () => {
  test('signs in with the discoverable credential and the PIN; the options name no key and require verification', async () => {
    const client = new HttpClient(rig.app);
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/passwordless/options');
    expect(client.cookie).toBeDefined();
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe('required');
    const anonymous = client.cookie;
    expect(await client.ok('/api/login/passwordless/verify', { response: await nora.browser.get(options, PIN) })).toEqual({ next: '/account' });
    expect(client.cookie).not.toBe(anonymous);
    expect((await client.get('/account')).text).toContain('nora@example.com');
  });

  test('an assertion without user verification is refused', async () => {
    const client = new HttpClient(rig.app);
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/passwordless/options');
    const response = await nora.browser.get({ ...options, userVerification: 'discouraged' });
    expect((await client.post('/api/login/passwordless/verify', { response })).json.error?.code).toBe('LOGIN_FAILED');
  });

  test('a second-factor key cannot sign in alone', async () => {
    const client = new HttpClient(rig.app);
    const options = await client.ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/passwordless/options');
    const response = await pat.browser.get({ ...options, userVerification: 'discouraged', allowCredentials: [{ id: pat.credentialId, type: 'public-key' }] });
    expect((await client.post('/api/login/passwordless/verify', { response })).json.error?.code).toBe('UNKNOWN_KEY');
  });

  test('verify without options first has no challenge', async () => {
    const client = new HttpClient(rig.app);
    const options = await new HttpClient(rig.app).ok<PublicKeyCredentialRequestOptionsJSON>('/api/login/passwordless/options');
    const reply = await client.post('/api/login/passwordless/verify', { response: await nora.browser.get(options, PIN) });
    expect(reply.json.error?.code).toBe('NO_CHALLENGE');
  });

  test('the helpers sign both accounts in, and sign-out ends the session', async () => {
    const client = await loginPasswordless(rig, nora.browser);
    expect((await client.get('/account')).status).toBe(200);
    expect(await client.ok('/api/logout')).toEqual({ next: '/login' });
    expect(client.cookie).toBeUndefined();
    expect((await (await loginWithPassword(rig, pat)).get('/account')).status).toBe(200);
  });
});
