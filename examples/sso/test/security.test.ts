/** What a real RP must refuse: other hosts, cross-site and non-JSON POSTs, stale sessions; and the headers it sends. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sessionCookie } from '../src/http/request.js';
import { setSessionCookie } from '../src/http/response.js';
import { HttpClient } from './http-client.js';
import { type Rig, enroll, loginWithPassword, startRig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  expect(rig.internalErrors).toEqual([]);
  await rig.close();
});

describe('admission', () => {
  test('only the configured host name is served; the numeric address is sent there', async () => {
    const client = new HttpClient(rig.app);
    const rebound = await client.get('/login', { host: `attacker.example:${rig.app.port}` });
    expect(rebound.status).toBe(421);
    expect(rebound.text).toContain(`This site answers only under ${rig.app.origin}.`);
    const numeric = await client.get('/enroll?token=abc', { host: `127.0.0.1:${rig.app.port}` });
    expect(numeric.status).toBe(303);
    expect(numeric.headers.location).toBe(`${rig.app.origin}/enroll?token=abc`);
    expect((await client.post('/api/logout', {}, { host: `127.0.0.1:${rig.app.port}` })).status).toBe(421);
  });

  test('a POST from another origin, or without one, or not as JSON, is refused before any route runs', async () => {
    const client = new HttpClient(rig.app);
    const crossSite = await client.post('/api/login/password', { email: 'a@b.c', password: 'x' }, { origin: 'http://localhost.evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.json.error?.code).toBe('CROSS_ORIGIN');
    expect((await client.post('/api/login/password', {}, { origin: null })).json.error?.code).toBe('CROSS_ORIGIN');
    expect((await client.post('/api/login/password', {}, { origin: `${rig.app.origin}/` })).json.error?.code).toBe('CROSS_ORIGIN');
    const form = await client.send('POST', '/api/login/password', { contentType: 'application/x-www-form-urlencoded', body: 'email=a&password=b' });
    expect(form.status).toBe(415);
    expect((await client.send('PUT', '/api/logout', {})).status).toBe(405);
  });

  test('malformed and oversized bodies get a clear refusal that quotes nothing', async () => {
    const client = new HttpClient(rig.app);
    const broken = await client.send('POST', '/api/login/password', { body: '{"password": "hunter2-secret' });
    expect(broken.json.error).toEqual({ code: 'BAD_REQUEST', message: 'The request body is not valid JSON.' });
    expect((await client.send('POST', '/api/login/password', { body: '[1]' })).json.error?.code).toBe('BAD_REQUEST');
    const missing = await client.post('/api/login/password', { email: 'a@b.c' });
    expect(missing.json.error).toEqual({ code: 'BAD_REQUEST', message: 'The request needs the text field "password".' });
    const huge = await client.send('POST', '/api/login/password', { body: JSON.stringify({ password: 'x'.repeat(70_000) }) });
    expect(huge.status).toBe(413);
    expect((await client.get('/nowhere')).status).toBe(404);
    expect((await client.post('/api/nowhere')).json.error?.code).toBe('NOT_FOUND');
  });
});

describe('responses', () => {
  test('pages carry a strict script policy, no caching, no referrer (the invitation token is in the URL)', async () => {
    const reply = await new HttpClient(rig.app).get('/login');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    const script = await new HttpClient(rig.app).get('/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text.length).toBeGreaterThan(1000);
  });

  test('the session cookie is HttpOnly, SameSite=Lax, host-only, with no Secure flag on http://localhost', async () => {
    const client = new HttpClient(rig.app);
    const reply = await client.post('/api/login/passwordless/options');
    const cookie = (reply.headers['set-cookie'] as string[])[0] as string;
    expect(cookie).toMatch(/^sso_session=[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  test('on https the cookie is __Host-sso_session and Secure, and a plain sso_session (planted by another port) is not read', () => {
    const written: Record<string, unknown> = {};
    const response = { setHeader: (name: string, value: unknown) => void (written[name] = value) } as unknown as ServerResponse;
    setSessionCookie(response, 'abc', true, 60);
    expect(written['set-cookie']).toBe('__Host-sso_session=abc; Max-Age=60; Path=/; HttpOnly; SameSite=Lax; Secure');
    const carrying = (cookie: string) => ({ headers: { cookie } }) as IncomingMessage;
    expect(sessionCookie(carrying('sso_session=planted'), true)).toBeUndefined();
    expect(sessionCookie(carrying('sso_session=planted; __Host-sso_session=real'), true)).toBe('real');
    expect(sessionCookie(carrying('other=1; sso_session=plain'), false)).toBe('plain');
  });

  test('two session cookies at once (one planted with a longer path by another localhost port) count as none', () => {
    const carrying = (cookie: string) => ({ headers: { cookie } }) as IncomingMessage;
    expect(sessionCookie(carrying('sso_session=planted; sso_session=real'), false)).toBeUndefined();
  });

  test('user input is escaped in pages', async () => {
    const link = rig.app.invite('"><script>alert(1)</script>@example.com');
    const page = await new HttpClient(rig.app).get(new URL(link).pathname + new URL(link).search);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com');
  });
});

describe('sessions', () => {
  test('a session expires after eight hours', async () => {
    const pat = await enroll(rig, 'password');
    const client = await loginWithPassword(rig, pat);
    expect((await client.get('/account')).status).toBe(200);
    rig.advance(8 * 60 * 60_000 + 1);
    expect((await client.get('/account')).headers.location).toBe('/login');
    expect((await client.post('/api/recovery-codes')).json.error?.code).toBe('NOT_SIGNED_IN');
    await pat.browser.close();
  });

  test('a cookie planted before sign-in is worthless after it (the session id changes at every step)', async () => {
    const pat = await enroll(rig, 'password');
    const victim = new HttpClient(rig.app);
    await victim.post('/api/login/passwordless/options');
    const planted = victim.cookie;
    const signedIn = await loginWithPassword(rig, pat);
    expect(signedIn.cookie).not.toBe(planted);
    const attacker = new HttpClient(rig.app);
    attacker.cookie = planted;
    expect((await attacker.get('/account')).headers.location).toBe('/login');
    await pat.browser.close();
  });
});
