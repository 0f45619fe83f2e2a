/**
 * The app's embedded database: SQLite compiled to WebAssembly (sql.js), so a fresh clone needs no native build.
 * It lives in memory; with a file, every change is written back crash-safely (temp file, fsync, rename), which is
 * plenty for an example that sees a handful of writes a minute.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import initSqlJs, { type Database as SqlDatabase, type SqlValue } from 'sql.js';
import { SCHEMA, SESSION_COLUMNS } from './schema.js';

export type { SqlValue };
export type Row = Record<string, SqlValue>;

export class Database {
  private writing: Promise<void> = Promise.resolve();
  private writeFailure: Error | undefined;
  private inTransaction = false;

  private constructor(
    private readonly db: SqlDatabase,
    private readonly file: string | undefined,
  ) {}

  /** Opens `file` (created when missing), or an in-memory database without one. */
  static async open(file?: string): Promise<Database> {
    const SQL = await initSqlJs();
    const existing =
      file === undefined
        ? undefined
        : await readFile(file).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return undefined;
            throw error;
          });
    const database = new Database(new SQL.Database(existing), file);
    const sessionColumns = database.all("SELECT name FROM pragma_table_info('sessions')").map((row) => String(row.name));
    if (sessionColumns.length > 0 && !SESSION_COLUMNS.every((column) => sessionColumns.includes(column))) {
      database.db.exec('DROP TABLE sessions; DROP TABLE IF EXISTS challenges;');
    }
    database.db.exec(SCHEMA);
    database.persist();
    await database.flushed();
    return database;
  }

  all(sql: string, values: readonly SqlValue[] = []): Row[] {
    const statement = this.db.prepare(sql);
    try {
      statement.bind(values);
      const rows: Row[] = [];
      while (statement.step()) rows.push(statement.getAsObject());
      return rows;
    } finally {
      statement.free();
    }
  }

  get(sql: string, values: readonly SqlValue[] = []): Row | undefined {
    return this.all(sql, values)[0];
  }

  /** Runs a change and returns how many rows it touched; the file follows (see persist). */
  run(sql: string, values: readonly SqlValue[] = []): number {
    this.db.run(sql, values);
    const changed = this.db.getRowsModified();
    if (changed > 0 && !this.inTransaction) this.persist();
    return changed;
  }

  /** Several changes that land together or not at all. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN');
    this.inTransaction = true;
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    } finally {
      this.inTransaction = false;
      this.persist();
    }
  }

  /** Resolves once every change so far is on disk; rejects if a write failed. */
  async flushed(): Promise<void> {
    await this.writing;
    if (this.writeFailure !== undefined) throw this.writeFailure;
  }

  async close(): Promise<void> {
    await this.flushed();
    this.db.close();
  }

  /** Queues a snapshot of the database to the file; snapshots are written in order, a failure is kept for flushed(). */
  private persist(): void {
    const file = this.file;
    if (file === undefined) return;
    const image = this.db.export();
    this.writing = this.writing.then(() =>
      writeAtomically(file, image).catch((error: unknown) => {
        this.writeFailure = error instanceof Error ? error : new Error(String(error));
      }),
    );
  }
}

async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
