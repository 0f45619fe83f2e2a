/** Security keys registered to accounts: the credential id, public key and signature counter the RP verifies against. */
import type { Database, Row } from '../db/database.js';

export interface StoredCredential {
  /** base64url credential id. */
  readonly id: string;
  readonly userId: number;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
  readonly transports: string[];
  /** Made as a discoverable credential with user verification: good for passwordless sign-in. */
  readonly discoverable: boolean;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | undefined;
}

function toCredential(row: Row): StoredCredential {
  return {
    id: String(row.id),
    userId: Number(row.user_id),
    publicKey: new Uint8Array(row.public_key as Uint8Array),
    counter: Number(row.counter),
    transports: JSON.parse(String(row.transports)) as string[],
    discoverable: Number(row.discoverable) === 1,
    name: String(row.name),
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? undefined : Number(row.last_used_at),
  };
}

export class Credentials {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  add(credential: Omit<StoredCredential, 'createdAt' | 'lastUsedAt' | 'name'>): StoredCredential {
    const name = `Security key ${this.ofUser(credential.userId).length + 1}`;
    this.db.run('INSERT INTO credentials (id, user_id, public_key, counter, transports, discoverable, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      credential.id,
      credential.userId,
      credential.publicKey,
      credential.counter,
      JSON.stringify(credential.transports),
      credential.discoverable ? 1 : 0,
      name,
      this.now(),
    ]);
    return this.byId(credential.id) as StoredCredential;
  }

  byId(id: string): StoredCredential | undefined {
    const row = this.db.get('SELECT * FROM credentials WHERE id = ?', [id]);
    return row === undefined ? undefined : toCredential(row);
  }

  ofUser(userId: number): StoredCredential[] {
    return this.db.all('SELECT * FROM credentials WHERE user_id = ? ORDER BY created_at, rowid', [userId]).map(toCredential);
  }

  recordUse(id: string, counter: number): void {
    this.db.run('UPDATE credentials SET counter = ?, last_used_at = ? WHERE id = ?', [counter, this.now(), id]);
  }

  /** Removes one of the user's keys; false when the user has no such key. */
  remove(userId: number, id: string): boolean {
    return this.db.run('DELETE FROM credentials WHERE user_id = ? AND id = ?', [userId, id]) === 1;
  }

  removeAllOf(userId: number): void {
    this.db.run('DELETE FROM credentials WHERE user_id = ?', [userId]);
  }
}
