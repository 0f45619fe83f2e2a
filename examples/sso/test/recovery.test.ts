/** The recovery-code fallback: ten codes of eight characters, each good once, stored hashed, replaced on demand. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HttpClient } from './http-client.js';
import { type Enrolled, PASSWORD, type Rig, enroll, loginWithPassword, startRig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  expect(rig.internalErrors).toEqual([]);
  await rig.close();
});

async function afterPassword(enrolled: Enrolled): Promise<HttpClient> {
  const client = new HttpClient(rig.app);
  await client.ok('/api/login/password', { email: enrolled.email, password: PASSWORD });
  return client;
}

describe('password accounts: a code in place of the key, after the password', () => {
  test('each code signs in once; typed in lower case with a dash it still counts', async () => {
    const pat = await enroll(rig, 'password');
    const [first, second] = pat.recoveryCodes as [string, string];
    const client = await afterPassword(pat);
    expect((await client.get('/login/recovery')).text).toContain(pat.email);
    expect(await client.ok('/api/login/recovery', { code: first })).toEqual({ next: '/account', recoveryCodesLeft: 9 });
    expect((await client.get('/account')).text).toContain('<span id="codes-left">9</span>');

    const again = await afterPassword(pat);
    const reused = await again.post('/api/login/recovery', { code: first });
    expect(reused.json.error).toEqual({ code: 'BAD_RECOVERY_CODE', message: 'That recovery code is wrong or was used before.' });
    const typed = `${second.slice(0, 4).toLowerCase()}-${second.slice(4).toLowerCase()}`;
    expect(await again.ok('/api/login/recovery', { code: typed })).toEqual({ next: '/account', recoveryCodesLeft: 8 });
    await pat.browser.close();
  });

  test('all ten work, once each', async () => {
    const pat = await enroll(rig, 'password');
    for (const [index, code] of pat.recoveryCodes.entries()) {
      expect(await (await afterPassword(pat)).ok('/api/login/recovery', { code })).toEqual({ next: '/account', recoveryCodesLeft: 9 - index });
    }
    expect((await (await afterPassword(pat)).post('/api/login/recovery', { code: pat.recoveryCodes[0] })).status).toBe(401);
    await pat.browser.close();
  });

  test('without the password step a password account’s code is refused, and not used up', async () => {
    const pat = await enroll(rig, 'password');
    const reply = await new HttpClient(rig.app).post('/api/login/recovery', { email: pat.email, code: pat.recoveryCodes[0] });
    expect(reply.json.error?.code).toBe('BAD_RECOVERY_CODE');
    expect(await (await afterPassword(pat)).ok('/api/login/recovery', { code: pat.recoveryCodes[0] })).toMatchObject({ recoveryCodesLeft: 9 });
    await pat.browser.close();
  });

  test('five wrong codes lock the account for a while', async () => {
    const pat = await enroll(rig, 'password');
    const client = await afterPassword(pat);
    for (let attempt = 0; attempt < 5; attempt++) expect((await client.post('/api/login/recovery', { code: '00000000' })).status).toBe(401);
    expect((await client.post('/api/login/recovery', { code: pat.recoveryCodes[0] })).json.error?.code).toBe('TOO_MANY_ATTEMPTS');
    await pat.browser.close();
  });
});

describe('passwordless accounts: e-mail and a code', () => {
  test('signs in once per code; another account’s code does not work', async () => {
    const nora = await enroll(rig, 'passwordless');
    const other = await enroll(rig, 'passwordless');
    const client = new HttpClient(rig.app);
    expect((await client.post('/api/login/recovery', { email: nora.email, code: other.recoveryCodes[0] })).status).toBe(401);
    expect(await client.ok('/api/login/recovery', { email: nora.email, code: nora.recoveryCodes[0] })).toEqual({ next: '/account', recoveryCodesLeft: 9 });
    expect((await new HttpClient(rig.app).post('/api/login/recovery', { email: nora.email, code: nora.recoveryCodes[0] })).status).toBe(401);
    await Promise.all([nora.browser.close(), other.browser.close()]);
  });
});

describe('storage and renewal', () => {
  test('new codes replace the old ones, which stop working', async () => {
    const pat = await enroll(rig, 'password');
    const client = await loginWithPassword(rig, pat);
    const { recoveryCodes } = await client.ok<{ recoveryCodes: string[] }>('/api/recovery-codes');
    expect(recoveryCodes).toHaveLength(10);
    expect(recoveryCodes.some((code) => pat.recoveryCodes.includes(code))).toBe(false);
    expect((await (await afterPassword(pat)).post('/api/login/recovery', { code: pat.recoveryCodes[0] })).status).toBe(401);
    expect(await (await afterPassword(pat)).ok('/api/login/recovery', { code: recoveryCodes[0] })).toMatchObject({ recoveryCodesLeft: 9 });
    await pat.browser.close();
  });

  test('making new codes needs a signed-in session', async () => {
    const pat = await enroll(rig, 'password');
    expect((await (await afterPassword(pat)).post('/api/recovery-codes')).json.error?.code).toBe('NOT_SIGNED_IN');
    await pat.browser.close();
  });
});
