/** The Host header of an HTTP request, read strictly (RFC 9110 §7.2): a host and an optional port, nothing else. */

export interface HostHeader {
  /** Lowercase; an IPv6 literal without its brackets ("::1"). */
  readonly hostname: string;
  /** undefined when the header names no port. */
  readonly port: number | undefined;
}

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?$/;

/** Reads "localhost:8110", "[::1]:8110" or "127.0.0.1"; undefined for anything else (user info, paths, bad ports). */
export function parseHostHeader(header: string | undefined): HostHeader | undefined {
  const match = HOST.exec((header ?? '').toLowerCase());
  if (match === null) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { hostname: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}
