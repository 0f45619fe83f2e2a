/**
 * The Origin header, read exactly as browsers serialize it (RFC 6454 §6.2): "scheme://host[:port]", with no user
 * information, path or trailing slash. A value that is not in that form is refused, never repaired.
 */
import { isLoopbackHostname } from './loopback.js';

export interface WebOrigin {
  readonly scheme: 'http' | 'https';
  /** Lowercase; IPv6 literals keep their brackets ("[::1]"), as in the origin. */
  readonly host: string;
  /** The effective port: the scheme's default when the origin names none. */
  readonly port: number;
}

const ORIGIN = /^(https?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?$/;

/** Reads an http(s) origin; undefined for "null", other schemes and anything that is not exactly an origin. */
export function parseOrigin(origin: string): WebOrigin | undefined {
  const match = ORIGIN.exec(origin.toLowerCase());
  if (match === null) return undefined;
  const scheme = match[1] as 'http' | 'https';
  const port = match[3] === undefined ? (scheme === 'https' ? 443 : 80) : Number(match[3]);
  if (port > 65535) return undefined;
  return { scheme, host: match[2] as string, port };
}

/** True when the origin is a page served from this machine: http(s) on a loopback name, any port. */
export function isLoopbackOrigin(origin: string): boolean {
  const parsed = parseOrigin(origin);
  return parsed !== undefined && isLoopbackHostname(parsed.host);
}
