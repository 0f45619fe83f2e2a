/** Accounts: an e-mail, the random user handle authenticators keep, an optional password hash and the sign-in mode. */
import { randomBytes } from 'node:crypto';
import type { Database, Row } from '../db/database.js';

export type SignInMode = 'password' | 'passwordless';

export interface User {
  readonly id: number;
  readonly email: string;
  /** The WebAuthn user handle (base64url of 16 random bytes): no personal data goes to the key. */
  readonly webauthnUserId: string;
  readonly passwordHash: string | undefined;
  readonly mode: SignInMode | undefined;
  readonly enrolledAt: number | undefined;
}

function toUser(row: Row | undefined): User | undefined {
  if (row === undefined) return undefined;
  return {
    id: Number(row.id),
    email: String(row.email),
    webauthnUserId: String(row.webauthn_user_id),
    passwordHash: row.password_hash === null ? undefined : String(row.password_hash),
    mode: row.mode === null ? undefined : (String(row.mode) as SignInMode),
    enrolledAt: row.enrolled_at === null ? undefined : Number(row.enrolled_at),
  };
}

export class Users {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** The account for `email`, made (not yet enrolled) when missing. */
  ensure(email: string): User {
    const existing = this.byEmail(email);
    if (existing !== undefined) return existing;
    const normalized = email.trim().toLowerCase();
    this.db.run('INSERT INTO users (email, webauthn_user_id, created_at) VALUES (?, ?, ?)', [normalized, randomBytes(16).toString('base64url'), this.now()]);
    return this.byEmail(normalized) as User;
  }

  byId(id: number): User | undefined {
    return toUser(this.db.get('SELECT * FROM users WHERE id = ?', [id]));
  }

  byEmail(email: string): User | undefined {
    return toUser(this.db.get('SELECT * FROM users WHERE email = ?', [email.trim().toLowerCase()]));
  }

  /** Starts (or restarts) enrollment: the chosen mode, and no password unless one is set next. */
  beginEnrollment(id: number, mode: SignInMode): void {
    this.db.run('UPDATE users SET mode = ?, password_hash = NULL, enrolled_at = NULL WHERE id = ?', [mode, id]);
  }

  setPasswordHash(id: number, hash: string): void {
    this.db.run('UPDATE users SET password_hash = ? WHERE id = ?', [hash, id]);
  }

  markEnrolled(id: number): void {
    this.db.run('UPDATE users SET enrolled_at = ? WHERE id = ? AND enrolled_at IS NULL', [this.now(), id]);
  }
}
