/**
 * The recovery-code fallback: 10 codes per account, shown once when made, each good for one sign-in. They are
 * kept as scrypt hashes under one salt per set, so checking a typed code costs one scrypt, not ten.
 */
import type { Database } from '../db/database.js';
import { RECOVERY_CODE_COUNT, newRecoveryCode, normalizeRecoveryCode } from '../security/recovery-code-format.js';
import { newSalt, sameHash, scrypt } from '../security/scrypt.js';

export class RecoveryCodes {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /** A new set for the user, replacing the old one; the only time the codes exist in clear. */
  async replace(userId: number): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const salt = newSalt();
    const hashes = await Promise.all(codes.map((code) => scrypt(code, salt)));
    this.db.transaction(() => {
      this.db.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
      for (const hash of hashes) this.db.run('INSERT INTO recovery_codes (user_id, salt, code_hash) VALUES (?, ?, ?)', [userId, salt, hash]);
    });
    return codes;
  }

  /** Uses up the matching unused code; false when `input` matches none (or was used before). */
  async redeem(userId: number, input: unknown): Promise<boolean> {
    const code = normalizeRecoveryCode(input) ?? '';
    const rows = this.db.all('SELECT rowid AS row, salt, code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL', [userId]);
    const salt = rows[0] === undefined ? newSalt() : String(rows[0].salt);
    const hash = await scrypt(code, salt);
    const match = rows.find((row) => sameHash(hash, String(row.code_hash)));
    if (match === undefined || code === '') return false;
    return this.db.run('UPDATE recovery_codes SET used_at = ? WHERE rowid = ? AND used_at IS NULL', [this.now(), match.row as number]) === 1;
  }

  remaining(userId: number): number {
    return Number(this.db.get('SELECT COUNT(*) AS left FROM recovery_codes WHERE user_id = ? AND used_at IS NULL', [userId])?.left ?? 0);
  }

  removeAllOf(userId: number): void {
    this.db.run('DELETE FROM recovery_codes WHERE user_id = ?', [userId]);
  }
}
