/**
 * The provisioning audit log: JSON Lines, append-only, each entry made durable (a synchronous write: O_SYNC) before
 * the next row starts, so a crash or power cut loses at most the line being written. It records what happened to which key,
 * never a secret, and tells a re-run which rows are already done and which changed since (row-fingerprint.ts).
 * Like the state files, it is readable by its owner only: it lists which accounts went onto which keys.
 */
import { type FileHandle, open, readFile } from 'node:fs/promises';
import { CliError } from '../cli-error.js';
import { auditKeyPath } from './row-fingerprint.js';

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
  /** The row's contents as a keyed hash (row-fingerprint.ts); absent in logs of earlier versions. */
  readonly fingerprint?: string;
}

/** A sealed item the relay handed to a key (`hkey provision bundle`): what the key's receipt said, or why it was not sent. */
export interface SealedAuditEntry {
  readonly time: string;
  /** The bundle directory's name. */
  readonly bundle: string;
  readonly serial: string;
  readonly sequence: number;
  readonly result: 'applied' | 'refused' | 'failed';
  /** The key's status name (refused) or the error code (failed: no receipt). */
  readonly code?: string;
  /** The account the item made or changed, from the receipt. */
  readonly id?: number;
}

/**
 * What the log says of a row of the batch, found by row number and account name: `new` (never written), `done`
 * (written with these contents, or by an earlier version that kept no fingerprint), or `changed` (written, but
 * with other contents than the row has now).
 */
export type RowState = 'new' | 'done' | 'changed';

export interface DoneRows {
  state(row: number, account: string, fingerprint: string | undefined): RowState;
  /** Serials of keys that took a row of this batch successfully. */
  readonly serials: ReadonlySet<string>;
}

const rowKey = (row: number, account: string): string => `${row}\u0000${account}`;

/**
 * What the log at `path` says about `batch`; a missing log says nothing is done. `hasKey` tells whether the log's
 * key is there: without it, fingerprints cannot be compared.
 */
export async function readDoneRows(path: string, batch: string, hasKey: boolean): Promise<DoneRows> {
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError('BATCH_AUDIT', `Cannot read the audit log ${path}: check its permissions.`);
  }
  // The fingerprint of the row's last successful write; null when that entry has none.
  const done = new Map<string, string | null>();
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
    const fingerprint = typeof entry.fingerprint === 'string' ? entry.fingerprint : null;
    if (fingerprint !== null && !hasKey) {
      throw new CliError(
        'BATCH_AUDIT_KEY',
        `The audit log ${path} needs its key ${auditKeyPath(path)}, which is missing: restore it, or use a new --audit file.`,
      );
    }
    done.set(rowKey(entry.row, entry.account), fingerprint);
    if (typeof entry.serial === 'string') serials.add(entry.serial);
  }
  return {
    state(row, account, fingerprint) {
      const logged = done.get(rowKey(row, account));
      if (logged === undefined) return 'new';
      return logged === null || logged === fingerprint ? 'done' : 'changed';
    },
    serials,
  };
}

export class AuditLog {
  /**
   * Group commit: lines appended while a write is under way wait and go out together in the next one, so parallel
   * keys share writes instead of queueing one each, and every line is still durable before its append resolves.
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
      // 'as': append with O_SYNC, so a write returns only once its data and metadata are on disk (what a write
      // then fsync gives) in one system call, instead of two trips through libuv's thread pool per group.
      handle = await open(path, 'as', 0o600);
    } catch {
      throw new CliError('BATCH_AUDIT', `Cannot open the audit log ${path} for appending: check the directory and its permissions.`);
    }
    const log = new AuditLog(handle, path);
    const { size, mode } = await handle.stat();
    // A log that an earlier version created readable by all is narrowed to its owner (when it is ours to change).
    if ((mode & 0o077) !== 0) await handle.chmod(0o600).catch(() => undefined);
    // A run cut off mid-line left no line break; start on a fresh line so the next entry stays readable.
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

  append(entry: AuditEntry | SealedAuditEntry): Promise<void> {
    return this.appendLine(JSON.stringify(entry));
  }

  /** One line, durable when this resolves (receipts.jsonl shares the log's durability). */
  appendLine(line: string): Promise<void> {
    return this.write(`${line}\n`);
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
