/** What a handler reads from a request: the session cookie and a small JSON body. */
import type { IncomingMessage } from 'node:http';
import { SsoError } from '../errors.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The session cookie's name. On https it carries the __Host- prefix, so the browser accepts it only as Secure,
 * host-only and for Path=/, and no other host or port can set or shadow it. On http://localhost the prefix cannot
 * be used: it requires Secure, which not every browser accepts over plain http (Safari, older Firefox).
 */
export const sessionCookieName = (secure: boolean): string => (secure ? '__Host-sso_session' : 'sso_session');

/**
 * The session cookie's value. Two of them at once (one set by another program on localhost, whose cookies browsers
 * share across ports, with a longer path to come first) count as none rather than trusting either.
 */
export function sessionCookie(request: IncomingMessage, secure: boolean): string | undefined {
  const values = (request.headers.cookie ?? '')
    .split(';')
    .map((pair) => pair.trim().split('='))
    .filter(([name]) => name === sessionCookieName(secure))
    .map(([, ...value]) => value.join('='));
  return values.length === 1 ? values[0] : undefined;
}

/** The body as a JSON object; anything else (too large, not JSON, not an object) is a BAD_REQUEST. */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new SsoError('BODY_TOO_LARGE', 413, 'The request body is too large.');
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new SsoError('BAD_REQUEST', 400, 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SsoError('BAD_REQUEST', 400, 'The request body is not a JSON object.');
  return parsed as Record<string, unknown>;
}

/** A string field of a JSON body, or a BAD_REQUEST naming the field (never its value). */
export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string') throw new SsoError('BAD_REQUEST', 400, `The request needs the text field "${name}".`);
  return value;
}
