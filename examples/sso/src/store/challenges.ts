/** WebAuthn challenges: one pending per session and purpose, taken (deleted) by the first attempt to use it, expiring. */
import type { Database } from '../db/database.js';

export type ChallengePurpose = 'register' | 'second-factor' | 'passwordless' | 'reauth';

export class Challenges {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** Files `challenge`, replacing any pending one of the same purpose (a restarted ceremony). */
  put(sessionKey: string, purpose: ChallengePurpose, challenge: string, ttlMs: number): void {
    this.db.run('DELETE FROM challenges WHERE expires_at <= ?', [this.now()]);
    this.db.run('INSERT OR REPLACE INTO challenges (session_hash, purpose, challenge, expires_at) VALUES (?, ?, ?, ?)', [
      sessionKey,
      purpose,
      challenge,
      this.now() + ttlMs,
    ]);
  }

  /** The pending challenge, removed whether or not it has expired; undefined when there is none still valid. */
  take(sessionKey: string, purpose: ChallengePurpose): string | undefined {
    const row = this.db.get('SELECT challenge, expires_at FROM challenges WHERE session_hash = ? AND purpose = ?', [sessionKey, purpose]);
    if (row === undefined) return undefined;
    this.db.run('DELETE FROM challenges WHERE session_hash = ? AND purpose = ?', [sessionKey, purpose]);
    return Number(row.expires_at) > this.now() ? String(row.challenge) : undefined;
  }
}
