/**
 * Server-side sessions behind an HttpOnly cookie holding 256 random bits; the table keeps only their hash. A
 * session moves through stages (anonymous, enrolling, second-factor, signed-in) and gets a new id whenever it gains
 * privileges, so an id planted before sign-in is worthless after it.
 */
import type { Database } from '../db/database.js';
import { newToken, tokenHash } from '../security/tokens.js';

export type SessionStage = 'anonymous' | 'enrolling' | 'second-factor' | 'signed-in';

export interface Session {
  /** The hash of the cookie's value: what challenges are filed under. */
  readonly key: string;
  readonly userId: number | undefined;
  readonly stage: SessionStage;
}

export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  /** A new session; returns the cookie value (shown to nobody but the browser) and the session. */
  create(stage: SessionStage, userId?: number): { id: string; session: Session } {
    this.db.run('DELETE FROM sessions WHERE expires_at <= ?', [this.now()]);
    const id = newToken();
    const key = tokenHash(id);
    this.db.run('INSERT INTO sessions (id_hash, user_id, stage, expires_at) VALUES (?, ?, ?, ?)', [key, userId ?? null, stage, this.now() + this.ttlMs]);
    return { id, session: { key, userId, stage } };
  }

  find(id: string | undefined): Session | undefined {
    if (id === undefined || id.length === 0) return undefined;
    const key = tokenHash(id);
    const row = this.db.get('SELECT user_id, stage FROM sessions WHERE id_hash = ? AND expires_at > ?', [key, this.now()]);
    if (row === undefined) return undefined;
    return { key, userId: row.user_id === null ? undefined : Number(row.user_id), stage: row.stage as SessionStage };
  }

  destroy(session: Session): void {
    this.db.run('DELETE FROM sessions WHERE id_hash = ?', [session.key]);
    this.db.run('DELETE FROM challenges WHERE session_hash = ?', [session.key]);
  }
}
