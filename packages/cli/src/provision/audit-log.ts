/**
 * The provisioning audit log: JSON Lines, append-only, each entry made durable (fsync) before the next row
 * starts, so a crash or power cut loses at most the line being written. It records what happened to which key,
 * never a secret, and tells a re-run which rows are already done.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';

export type RowResultKind = 'ok' | 'failed' | 'rolled-back';

export interface AuditEntry {
  readonly time: string;
  /** The batch file's name: a re-run of the same file resumes; another file in the same log does not. */
  readonly batch: string;
  readonly row: number;
  readonly serial: string;
  readonly account: string;
  readonly result: RowResultKind;
  /** The account id on the key, for rows written. */
  readonly id?: number;
  /** The stable error code, for rows that failed. */
  readonly code?: string;
}

/** Rows of `batch` the log shows done, keyed by row number and account name (an edited row is not done). */
export interface DoneRows {
  has(row: number, account: string): boolean;
  /** Serials of keys that took a row of this batch successfully. */
  readonly serials: ReadonlySet<string>;
}

const rowKey = (row: number, account: string): string => `${row}\u0000${account}`;

/** What the log at `path` says about `batch`; a missing log says nothing is done. */
export async function readDoneRows(path: string, batch: string): Promise<DoneRows> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError('BATCH_AUDIT', `Cannot read the audit log ${path}: check its permissions.`);
  }
  const done = new Set<string>();
  const serials = new Set<string>();
  for (const line of text.split('\n')) {
    let entry: Partial<AuditEntry>;
    try {
      entry = JSON.parse(line) as Partial<AuditEntry>;
    } catch {
      // An empty line, or the half-written last line of a run that lost power: it recorded nothing done.
      continue;
    }
    if (entry.batch !== batch || typeof entry.row !== 'number' || typeof entry.account !== 'string') continue;
    if (entry.result !== 'ok') continue;
    done.add(rowKey(entry.row, entry.account));
    if (typeof entry.serial === 'string') serials.add(entry.serial);
  }
  return { has: (row, account) => done.has(rowKey(row, account)), serials };
}

export class AuditLog {
  /**
   * Group commit: lines appended while a write and fsync are under way wait and go out together in the next one,
   * so parallel keys share fsyncs instead of queueing one each, and every line is still durable before its
   * append resolves.
   */
  private pending: { text: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<AuditLog> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'a');
    } catch {
      throw new CliError('BATCH_AUDIT', `Cannot open the audit log ${path} for appending: check the directory and its permissions.`);
    }
    const log = new AuditLog(handle, path);
    // A run cut off mid-line left no line break; start on a fresh line so the next entry stays readable.
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      const reader = await open(path, 'r');
      try {
        await reader.read(last, 0, 1, size - 1);
      } finally {
        await reader.close();
      }
      if (last[0] !== 0x0a) await log.write('\n');
    }
    return log;
  }

  append(entry: AuditEntry): Promise<void> {
    return this.write(`${JSON.stringify(entry)}\n`);
  }

  private write(text: string): Promise<void> {
    const written = new Promise<void>((resolve, reject) => this.pending.push({ text, resolve, reject }));
    this.flushing ??= this.flush();
    return written;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.handle.write(batch.map((line) => line.text).join(''));
        await this.handle.sync();
        for (const line of batch) line.resolve();
      } catch (error) {
        // A failed write fails its callers; the lines after it still get their own attempt.
        for (const line of batch) line.reject(error);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
  }
}
