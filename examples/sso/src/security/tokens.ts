/** Random bearer tokens (session ids, invitation tokens) and the hash under which the database keeps them. */
import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A token has 256 bits of entropy, so a plain SHA-256 is enough to keep a stolen database from being replayed. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
