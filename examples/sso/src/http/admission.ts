/**
 * Which requests reach a handler. The Host header must be exactly the configured one (a DNS-rebound page sends
 * its own name); a request that changes anything must be a JSON POST from exactly the configured Origin, which
 * a cross-site form cannot forge (it cannot send application/json, and browsers always send Origin on POST).
 */
import type { IncomingMessage } from 'node:http';
import { SsoError } from '../errors.js';

export interface Site {
  readonly origin: string;
  readonly host: string;
}

export function admit(request: IncomingMessage, site: Site): void {
  if (request.headers.host !== site.host) throw new SsoError('WRONG_HOST', 421, `This site answers only under ${site.origin}.`);
  const method = request.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return;
  if (method !== 'POST') throw new SsoError('METHOD_NOT_ALLOWED', 405, 'Only GET and POST are served.');
  if (request.headers.origin !== site.origin) throw new SsoError('CROSS_ORIGIN', 403, 'Requests that change anything must come from this site’s own pages.');
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new SsoError('NOT_JSON', 415, 'Requests that change anything are sent as application/json.');
}
