/** Enrollment invitations: the link an administrator e-mails, single use and expiring; only the token's hash is kept. */
import type { Database } from '../db/database.js';
import { newToken, tokenHash } from '../security/tokens.js';

export class Invitations {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** A new token for `userId`, valid for `ttlMs`. */
  create(userId: number, ttlMs: number): string {
    const token = newToken();
    this.db.run('INSERT INTO invitations (token_hash, user_id, expires_at) VALUES (?, ?, ?)', [tokenHash(token), userId, this.now() + ttlMs]);
    return token;
  }

  /** The user a still-usable token invites, without using it up (the link page only shows it). */
  peek(token: unknown): number | undefined {
    if (typeof token !== 'string' || token.length === 0) return undefined;
    const row = this.db.get('SELECT user_id FROM invitations WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?', [tokenHash(token), this.now()]);
    return row === undefined ? undefined : Number(row.user_id);
  }

  /** Uses the token up and returns its user; undefined when it is unknown, used or expired. */
  redeem(token: unknown): number | undefined {
    const userId = this.peek(token);
    if (userId === undefined) return undefined;
    const used = this.db.run('UPDATE invitations SET used_at = ? WHERE token_hash = ? AND used_at IS NULL', [this.now(), tokenHash(token as string)]);
    return used === 1 ? userId : undefined;
  }
}
