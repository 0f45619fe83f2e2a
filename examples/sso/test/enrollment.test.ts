/** Enrollment from the e-mailed link: single-use expiring invitations, password + key, passwordless with the PIN. */
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FidoBrowser } from './fido-browser.js';
import { HttpClient } from './http-client.js';
import { PASSWORD, PIN, type Rig, enroll, registerKey, startRig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  expect(rig.internalErrors).toEqual([]);
  await rig.close();
});

const tokenOf = (link: string): string => new URL(link).searchParams.get('token') as string;

describe('invitations', () => {
  test('the link page names the account; an unknown token gets a page saying so', async () => {
    const client = new HttpClient(rig.app);
    const link = rig.app.invite('Invitee@Example.com');
    expect(link).toMatch(new RegExp(`^${rig.app.origin}/enroll\\?token=[A-Za-z0-9_-]{43}$`));
    const page = await client.get(new URL(link).pathname + new URL(link).search);
    expect(page.status).toBe(200);
    expect(page.text).toContain('invitee@example.com');
    const unknown = await client.get('/enroll?token=nonsense');
    expect(unknown.status).toBe(410);
    expect(unknown.text).toContain('unknown, already used or expired');
  });

  test('a token is used up by the first choice; the second gets INVITATION_INVALID', async () => {
    const token = tokenOf(rig.app.invite('once@example.com'));
    const first = new HttpClient(rig.app);
    expect((await first.post('/api/enroll/begin', { token, mode: 'password' })).json).toEqual({ next: '/enroll/password' });
    const second = await new HttpClient(rig.app).post('/api/enroll/begin', { token, mode: 'passwordless' });
    expect(second.status).toBe(410);
    expect(second.json.error?.code).toBe('INVITATION_INVALID');
    expect((await new HttpClient(rig.app).get(`/enroll?token=${token}`)).status).toBe(410);
  });

  test('a token expires after 24 hours', async () => {
    const token = tokenOf(rig.app.invite('late@example.com'));
    rig.advance(24 * 60 * 60_000 + 1);
    const reply = await new HttpClient(rig.app).post('/api/enroll/begin', { token, mode: 'password' });
    expect(reply.json.error?.code).toBe('INVITATION_INVALID');
  });

  test('a bad mode is refused before the token is used', async () => {
    const token = tokenOf(rig.app.invite('undecided@example.com'));
    const client = new HttpClient(rig.app);
    expect((await client.post('/api/enroll/begin', { token, mode: 'magic' })).json.error?.code).toBe('BAD_REQUEST');
    expect((await client.post('/api/enroll/begin', { token, mode: 'password' })).status).toBe(200);
  });

  test('an enrolled account cannot be enrolled again through an old or new link', async () => {
    const enrolled = await enroll(rig, 'password');
    const reply = await new HttpClient(rig.app).post('/api/enroll/begin', { token: tokenOf(rig.app.invite(enrolled.email)), mode: 'passwordless' });
    expect(reply.json.error?.code).toBe('INVITATION_INVALID');
    await enrolled.browser.close();
  });
});

describe('password, then a security key as second factor', () => {
  test('the pages follow the steps; the key is registered without PIN; ten recovery codes come once', async () => {
    const client = new HttpClient(rig.app);
    await client.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite('pat@example.com')), mode: 'password' });
    const enrollingCookie = client.cookie;
    expect((await client.get('/enroll/security-key')).headers.location).toBe('/enroll/password');
    expect((await client.get('/enroll/password')).text).toContain('Set a password');

    const short = await client.post('/api/enroll/password', { password: 'short' });
    expect(short.json.error).toEqual({ code: 'PASSWORD_TOO_SHORT', message: 'A password has at least 12 characters.' });
    expect((await client.post('/api/keys/register/options')).json.error?.code).toBe('WRONG_STEP');
    expect(await client.ok('/api/enroll/password', { password: PASSWORD })).toEqual({ next: '/enroll/security-key' });
    expect((await client.get('/enroll/security-key')).text).toContain('Use security key');

    const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
    expect(options.rp).toEqual({ name: 'hkey SSO example', id: 'localhost' });
    expect(options.user.name).toBe('pat@example.com');
    expect(options.attestation).toBe('none');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'discouraged', userVerification: 'discouraged' });
    expect(options.excludeCredentials).toEqual([]);

    const browser = await FidoBrowser.start(rig.app.origin);
    const done = await client.ok<{ key: { id: string; name: string }; recoveryCodes: string[] }>('/api/keys/register/verify', {
      response: await browser.create(options),
    });
    expect(done.key.name).toBe('Security key 1');
    expect(done.recoveryCodes).toHaveLength(10);
    expect(new Set(done.recoveryCodes).size).toBe(10);
    for (const code of done.recoveryCodes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    // The session that enrolled is replaced by a signed-in one; the old cookie is worthless.
    expect(client.cookie).not.toBe(enrollingCookie);
    const account = await client.get('/account');
    expect(account.status).toBe(200);
    expect(account.text).toContain('Security key 1');
    expect(account.text).toContain('<span id="codes-left">10</span>');
    const stale = new HttpClient(rig.app);
    stale.cookie = enrollingCookie;
    expect((await stale.get('/account')).headers.location).toBe('/login');
    await browser.close();
  });

  test('a registration answer is accepted once: the challenge is gone after the first try', async () => {
    const client = new HttpClient(rig.app);
    await client.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite('replay@example.com')), mode: 'password' });
    await client.ok('/api/enroll/password', { password: PASSWORD });
    const browser = await FidoBrowser.start(rig.app.origin);
    const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
    const tampered = await browser.create(options);
    const response = { ...tampered, response: { ...tampered.response, clientDataJSON: Buffer.from('{}').toString('base64url') } };
    expect((await client.post('/api/keys/register/verify', { response })).json.error?.code).toBe('REGISTRATION_FAILED');
    expect((await client.post('/api/keys/register/verify', { response: tampered })).json.error?.code).toBe('NO_CHALLENGE');
    await browser.close();
  });

  test('an answer made for another origin is refused', async () => {
    const client = new HttpClient(rig.app);
    await client.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite('phished@example.com')), mode: 'password' });
    await client.ok('/api/enroll/password', { password: PASSWORD });
    const phishing = await FidoBrowser.start('http://localhost.evil.example');
    const reply = await client.post('/api/keys/register/verify', {
      response: await phishing.create(await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options')),
    });
    expect(reply.json.error?.code).toBe('REGISTRATION_FAILED');
    await phishing.close();
  });
});

describe('passwordless', () => {
  test('a discoverable credential verified with the key PIN; no password is ever set', async () => {
    const client = new HttpClient(rig.app);
    await client.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite('nopass@example.com')), mode: 'passwordless' });
    expect((await client.get('/enroll/password')).headers.location).toBe('/login');
    expect((await client.get('/enroll/passwordless')).text).toContain('Use security key with PIN');
    expect((await client.post('/api/enroll/password', { password: PASSWORD })).json.error?.code).toBe('WRONG_STEP');
    const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    const browser = await FidoBrowser.start(rig.app.origin, PIN);
    const done = await client.ok<{ recoveryCodes: string[] }>('/api/keys/register/verify', { response: await browser.create(options, PIN) });
    expect(done.recoveryCodes).toHaveLength(10);
    expect((await client.get('/account')).text).toContain('passwordless (PIN)');
    expect(rig.app.services.users.byEmail('nopass@example.com')?.passwordHash).toBeUndefined();
    await browser.close();
  });

  test('a key that did not verify the user (no PIN) is refused', async () => {
    const client = new HttpClient(rig.app);
    await client.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite('nouv@example.com')), mode: 'passwordless' });
    const options = await client.ok<PublicKeyCredentialCreationOptionsJSON>('/api/keys/register/options');
    const browser = await FidoBrowser.start(rig.app.origin);
    const withoutPin = await browser.create({ ...options, authenticatorSelection: { ...options.authenticatorSelection, userVerification: 'discouraged' } });
    expect((await client.post('/api/keys/register/verify', { response: withoutPin })).json.error?.code).toBe('REGISTRATION_FAILED');
    await browser.close();
  });

  test('a signed-in account adds a key without new recovery codes, in both modes', async () => {
    for (const mode of ['password', 'passwordless'] as const) {
      const enrolled = await enroll(rig, mode);
      expect(enrolled.recoveryCodes).toHaveLength(10);
      const second = await FidoBrowser.start(rig.app.origin, PIN);
      expect((await registerKey(enrolled.client, second, PIN)).recoveryCodes).toBeUndefined();
      await Promise.all([enrolled.browser.close(), second.close()]);
    }
  });
});

describe('an earlier link’s session after the account is enrolled', () => {
  test('the first link’s session dies when a second link is used, and cannot touch the enrolled account', async () => {
    const email = 'hijacked@example.com';
    const attacker = new HttpClient(rig.app);
    await attacker.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite(email)), mode: 'password' });
    const victim = await enroll(rig, 'password', email);
    const spare = await FidoBrowser.start(rig.app.origin);
    for (const [path, body] of [
      ['/api/enroll/password', { password: 'the attacker’s own password' }],
      ['/api/keys/register/options', {}],
      ['/api/recovery-codes', {}],
    ] as const) {
      expect((await attacker.post(path, body)).json.error?.code).toBe('NOT_SIGNED_IN');
    }
    expect((await attacker.get('/enroll/security-key')).headers.location).toBe('/login');
    expect(rig.app.services.credentials.ofUser(rig.app.services.users.byEmail(email)?.id ?? -1)).toHaveLength(1);
    expect((await new HttpClient(rig.app).post('/api/login/password', { email, password: PASSWORD })).status).toBe(200);
    await Promise.all([victim.browser.close(), spare.close()]);
  });

  test('an enrolling session that outlived enrollment is refused, and completing enrollment ends every other session', async () => {
    const email = 'leftover@example.com';
    const enrolling = new HttpClient(rig.app);
    await enrolling.ok('/api/enroll/begin', { token: tokenOf(rig.app.invite(email)), mode: 'password' });
    await enrolling.ok('/api/enroll/password', { password: PASSWORD });
    const user = rig.app.services.users.byEmail(email);
    const bystander = new HttpClient(rig.app);
    bystander.cookie = `sso_session=${rig.app.services.sessions.create('enrolling', user?.id).id}`;
    const browser = await FidoBrowser.start(rig.app.origin);
    await registerKey(enrolling, browser);
    expect((await bystander.post('/api/keys/register/options')).json.error?.code).toBe('NOT_SIGNED_IN');
    // Whatever way an enrolling session survives, it is worthless once the account is enrolled.
    const survivor = new HttpClient(rig.app);
    survivor.cookie = `sso_session=${rig.app.services.sessions.create('enrolling', user?.id).id}`;
    expect((await survivor.post('/api/enroll/password', { password: 'another password here' })).json.error?.code).toBe('NOT_SIGNED_IN');
    expect((await survivor.post('/api/keys/register/options')).json.error?.code).toBe('NOT_SIGNED_IN');
    expect((await survivor.get('/enroll/security-key')).headers.location).toBe('/login');
    await browser.close();
  });
});
