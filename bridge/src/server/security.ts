/**
 * Who may talk to the bridge server. Two kinds of client, told apart by the Origin header that browsers always
 * send on a WebSocket handshake and pages cannot change:
 * - browsers: the page's Origin must be exactly on the allowlist (default: localhost development origins only);
 * - programs (no Origin): must present the per-launch token, so another local user cannot drive the keys.
 * A program can claim any Origin, so an allowed Origin alone only admits clients where every local program is
 * trusted: with requireTokenForBrowsers (forced when listening beyond loopback) the token is required of all.
 * Every request's Host header must be a loopback name or an IP literal (the latter only with allowRemote), which
 * defeats DNS rebinding: a rebound page sends its own domain name as Host. Named hosts must be listed explicitly.
 * The name, Host, Origin and token checks themselves are @hkey/protocol's, shared with the simulator.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { isLoopbackHostname, parseHostHeader, parseOrigin, presentsToken } from '@hkey/protocol';
import { BridgeError } from '../errors.js';

/** Pages served from the developer's own machine, on any port. */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = [
  'http://localhost:*',
  'https://localhost:*',
  'http://127.0.0.1:*',
  'https://127.0.0.1:*',
  'http://[::1]:*',
  'https://[::1]:*',
];

export interface AdmissionPolicy {
  readonly token: string;
  readonly allowedOrigins: readonly OriginPattern[];
  /** Host header names accepted besides loopback names (lowercase). */
  readonly allowedHosts: readonly string[];
  /** IP-literal Host headers are accepted (the server listens beyond loopback). */
  readonly allowIpHosts: boolean;
  /** Browsers need the token as well as an allowed Origin. */
  readonly requireTokenForBrowsers: boolean;
}

export type Admission =
  | { readonly ok: true; readonly label: string; /** The browser's Origin; none for programs. */ readonly origin?: string }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string };

export interface OriginPattern {
  readonly scheme: string;
  readonly host: string;
  /** undefined: any port. */
  readonly port: number | undefined;
}

const PATTERN = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\*|[0-9]{1,5}))?$/;

/** Reads "scheme://host[:port|:*]"; throws BAD_ORIGIN_PATTERN for anything else (paths, wildcard hosts). */
export function parseOriginPattern(pattern: string): OriginPattern {
  const match = PATTERN.exec(pattern.toLowerCase());
  if (match === null) {
    throw new BridgeError('BAD_ORIGIN_PATTERN', 'An allowed origin looks like https://app.example, http://localhost:5173 or http://localhost:* (any port).');
  }
  const scheme = match[1] as string;
  const port = match[3];
  return { scheme, host: match[2] as string, port: port === '*' ? undefined : port === undefined ? (scheme === 'https' ? 443 : 80) : Number(port) };
}

/** True when the origin, read exactly as browsers write it (no user info, path or slash), matches a pattern. */
export function originAllowed(origin: string, patterns: readonly OriginPattern[]): boolean {
  const parsed = parseOrigin(origin);
  if (parsed === undefined) return false;
  return patterns.some(
    (pattern) => pattern.scheme === parsed.scheme && pattern.host === parsed.host && (pattern.port === undefined || pattern.port === parsed.port),
  );
}

export function newLaunchToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Decides whether an HTTP request or WebSocket handshake may proceed, and names the client for lease holders. */
export function admit(request: IncomingMessage, url: URL, policy: AdmissionPolicy): Admission {
  const host = parseHostHeader(request.headers.host)?.hostname;
  const hostOk = host !== undefined && (isLoopbackHostname(host) || policy.allowedHosts.includes(host) || (policy.allowIpHosts && isIP(host) !== 0));
  if (!hostOk) return { ok: false, status: 403, code: 'HOST_REFUSED', message: 'The Host header must name this machine (DNS rebinding protection).' };
  const authorization = request.headers.authorization;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (!originAllowed(origin, policy.allowedOrigins)) {
      return { ok: false, status: 403, code: 'ORIGIN_REFUSED', message: 'This web origin is not allowed; start the bridge with --origin for it.' };
    }
    if (policy.requireTokenForBrowsers && !presentsToken(authorization, url, policy.token)) {
      return {
        ok: false,
        status: 401,
        code: 'TOKEN_REQUIRED',
        message: 'The bridge requires its launch token from every client; add ?token= to the bridge URL.',
      };
    }
    return { ok: true, label: new URL(origin).origin, origin };
  }
  if (!presentsToken(authorization, url, policy.token)) {
    return {
      ok: false,
      status: 401,
      code: 'TOKEN_REQUIRED',
      message: 'Programs must present the token the bridge printed at start (?token= or Authorization: Bearer).',
    };
  }
  return { ok: true, label: clientLabel(url.searchParams.get('client')) };
}

/** A program may name itself (?client=hkey%20CLI) for lease holders; only printable text, shortened. */
function clientLabel(name: string | null): string {
  const clean = (name ?? '')
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 80);
  return clean === '' ? 'a local program' : clean;
}
