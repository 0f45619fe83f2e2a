/**
 * Server-side sessions behind an HttpOnly cookie holding 256 random bits; the table keeps only their hash. A
 * session moves through stages (anonymous, enrolling, second-factor, signed-in) and gets a new id whenever it gains
 * privileges, so an id planted before sign-in is worthless after it. Each session is bound to the origin that made
 * it: the same database served on another port (another origin) does not honour it.
 */
import type { Database, Row } from '../db/database.js';
import { newToken, tokenHash } from '../security/tokens.js';

export type SessionStage = 'anonymous' | 'enrolling' | 'second-factor' | 'signed-in';

/** How the session's holder last proved who they are, and when: what a change to the account is judged by. */
export interface Proof {
  readonly method: 'password' | 'key' | 'recovery';
  readonly at: number;
}

export interface Session {
  /** The hash of the cookie's value: what challenges are filed under. */
  readonly key: string;
  readonly userId: number | undefined;
  readonly stage: SessionStage;
  readonly proof: Proof | undefined;
}

export class Sessions {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly ttlMs: number,
    private readonly origin: string,
  ) {}

  /** A new session; returns the cookie value (shown to nobody but the browser) and the session. */
  create(stage: SessionStage, userId?: number, proof?: Proof): { id: string; session: Session } {
    this.db.run('DELETE FROM sessions WHERE expires_at <= ?', [this.now()]);
    const id = newToken();
    const key = tokenHash(id);
    this.db.run('INSERT INTO sessions (id_hash, origin, user_id, stage, method, fresh_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      key,
      this.origin,
      userId ?? null,
      stage,
      proof?.method ?? null,
      proof?.at ?? null,
      this.now() + this.ttlMs,
    ]);
    return { id, session: { key, userId, stage, proof } };
  }

  /** The live session behind a cookie value, if it was made for this origin. */
  find(id: string | undefined): Session | undefined {
    return id === undefined || id.length === 0 ? undefined : this.byKey(tokenHash(id));
  }

  /** `session` as it is now: undefined once it has ended or expired (another request may have ended it). */
  current(session: Session): Session | undefined {
    return this.byKey(session.key);
  }

  /** Records a fresh proof (a security-key assertion, or the password again) for the session. */
  confirm(session: Session): void {
    this.db.run('UPDATE sessions SET fresh_at = ? WHERE id_hash = ?', [this.now(), session.key]);
  }

  destroy(session: Session): void {
    this.db.run('DELETE FROM sessions WHERE id_hash = ?', [session.key]);
    this.db.run('DELETE FROM challenges WHERE session_hash = ?', [session.key]);
  }

  /** Ends every session of the user but `keep` (when given), with their pending challenges. */
  endAllOf(userId: number, keep?: Session): void {
    const kept = keep?.key ?? '';
    this.db.transaction(() => {
      this.db.run('DELETE FROM challenges WHERE session_hash IN (SELECT id_hash FROM sessions WHERE user_id = ? AND id_hash <> ?)', [userId, kept]);
      this.db.run('DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?', [userId, kept]);
    });
  }

  private byKey(key: string): Session | undefined {
    const row = this.db.get('SELECT * FROM sessions WHERE id_hash = ? AND origin = ? AND expires_at > ?', [key, this.origin, this.now()]);
    return row === undefined ? undefined : toSession(key, row);
  }
}

function toSession(key: string, row: Row): Session {
  return {
    key,
    userId: row.user_id === null ? undefined : Number(row.user_id),
    stage: row.stage as SessionStage,
    proof: row.method === null || row.fresh_at === null ? undefined : { method: row.method as Proof['method'], at: Number(row.fresh_at) },
  };
}
