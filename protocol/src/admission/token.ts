/** Per-launch tokens of the local servers: how a client presents one, and comparing it without a timing leak. */

/** The shortest launch token a server accepts; a random one is much longer. */
export const MIN_LAUNCH_TOKEN_LENGTH = 16;

const encoder = new TextEncoder();

/**
 * Compares two strings in time that depends only on the expected one's length, so a client cannot learn a token
 * byte by byte from response times.
 */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = encoder.encode(presented);
  const b = encoder.encode(expected);
  let difference = a.length ^ b.length;
  for (let index = 0; index < b.length; index++) difference |= (a[index] ?? 0) ^ (b[index] as number);
  return difference === 0;
}

/** The token a request presents: `?token=` in its URL, else `Authorization: Bearer TOKEN`. */
function presentedToken(authorization: string | undefined, url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  const bearer = /^Bearer +(\S+)$/i.exec(authorization ?? '');
  return bearer?.[1];
}

/** True when the request presents exactly `token`. */
export function presentsToken(authorization: string | undefined, url: URL, token: string): boolean {
  const presented = presentedToken(authorization, url);
  return presented !== undefined && constantTimeEqual(presented, token);
}
