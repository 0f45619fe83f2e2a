/** Replies with the headers every page and API answer carries: no caching, no framing, no referrer, no sniffing. */
import type { ServerResponse } from 'node:http';
import { sessionCookieName } from './request.js';

// No default-src, so connections stay open: a developer's WebAuthn shim talks to a local bridge over WebSocket from the page.
const CSP = "script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const COMMON = {
  'cache-control': 'no-store',
  'content-security-policy': CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { ...COMMON, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
}

export function sendText(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { ...COMMON, 'content-type': `${type}; charset=utf-8` }).end(body);
}

export function redirect(response: ServerResponse, location: string): void {
  response.writeHead(303, { ...COMMON, location }).end();
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), host-only (no
 * Domain); on https Secure and named __Host- (see sessionCookieName).
 */
export function setSessionCookie(response: ServerResponse, id: string | undefined, secure: boolean, maxAgeSeconds: number): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])];
  const name = sessionCookieName(secure);
  response.setHeader(
    'set-cookie',
    id === undefined ? `${name}=; Max-Age=0; ${attributes.join('; ')}` : `${name}=${id}; Max-Age=${maxAgeSeconds}; ${attributes.join('; ')}`,
  );
}
