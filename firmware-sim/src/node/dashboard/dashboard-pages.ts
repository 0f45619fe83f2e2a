/**
 * Serving the dashboard's files (GET /, /dashboard.js, /dashboard.css): code without data, under a strict content
 * security policy (only this server's scripts, styles and WebSocket; no frames, no referrer).
 */
import type { ServerResponse } from 'node:http';
import { DASHBOARD_FILES, type DashboardAssets } from './dashboard-assets.js';

const SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** A page of its own for a wrong token in the address: says what to do and shows nothing of the keys. */
const TOKEN_REFUSED_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>hkey dashboard: token refused</title>
<link rel="stylesheet" href="/dashboard.css"><main class="refusal"><h1>This dashboard address has a wrong token</h1>
<p>Open the address <code>hkey sim</code> printed at start (it ends in <code>#token=…</code>); the token changes at every launch.</p></main></html>`;

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><title>hkey dashboard: not built</title>
<main><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> in the hkey repository, then restart <code>hkey sim</code>.</p></main></html>`;

export function isDashboardPath(pathname: string): boolean {
  return Object.hasOwn(DASHBOARD_FILES, pathname);
}

/** `tokenRefused`: the address carried a token (?token=) and it was wrong. */
export function serveDashboardFile(response: ServerResponse, pathname: string, assets: DashboardAssets | undefined, tokenRefused: boolean): void {
  const html = DASHBOARD_FILES['/']?.type as string;
  if (tokenRefused) return void response.writeHead(401, { ...SECURITY_HEADERS, 'content-type': html }).end(TOKEN_REFUSED_PAGE);
  const body = assets?.files.get(pathname);
  if (body === undefined) return void response.writeHead(503, { ...SECURITY_HEADERS, 'content-type': html }).end(NOT_BUILT_PAGE);
  response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': DASHBOARD_FILES[pathname]?.type as string }).end(body);
}
