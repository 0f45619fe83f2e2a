/**
 * Runs a checked batch against keys: one key at a time (the technician swaps keys and the runner waits for the
 * next one) or all reachable keys in parallel. Each row is written and verified by createVerifiedAccount, then
 * recorded in the audit log before the next row on that key starts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, errorCode, errorMessage } from '../cli-error.js';
import { type LockPolicy, type OpenKey, probeKeys, unlock } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import type { PinReader } from '../pin-input.js';
import { RolledBackError, createVerifiedAccount } from '../verified-write.js';
import type { AuditLog, RowResultKind } from './audit-log.js';
import type { BatchRow } from './batch-file.js';

/** `changed`: the audit log shows the row written with other contents than it has now, so it was not written again. */
export type RowOutcome = RowResultKind | 'skipped' | 'changed' | 'not-reached';

export interface RowResult {
  readonly row: number;
  readonly serial: string | null;
  readonly account: string;
  readonly result: RowOutcome;
  readonly id?: number;
  readonly code?: string;
  readonly message?: string;
}

/** What the runner reports as it goes; the view turns it into progress bars, lines or JSON events. */
export interface ProvisionEvents {
  keyReady(serial: string, address: string): void;
  /** One key at a time: the row needs a key that is not there yet. `present` lists keys that are there but done. */
  waiting(need: {
    readonly row: number;
    readonly position: number;
    readonly total: number;
    readonly serial?: string;
    readonly present: readonly string[];
  }): void;
  /** `row` is a batch row's number or a sealed item's sequence; `account` what it writes, as far as the relay knows. */
  rowStarted(row: number, account: string, serial: string): void;
  rowFinished(result: RowResult): void;
  /** Runs `ask` (a PIN prompt) with live output paused. */
  suspend<T>(ask: () => Promise<T>): Promise<T>;
}

export interface RunnerContext {
  readonly batch: string;
  readonly audit: AuditLog;
  /** Each row's fingerprint (row-fingerprint.ts) by row number, recorded with its outcome. */
  readonly fingerprints: ReadonlyMap<number, string>;
  /** Addresses to look for keys at. */
  readonly candidates: readonly string[];
  /** Keys unlocked for the batch are locked again when their session closes, unless --stay-unlocked. */
  readonly lock: LockPolicy;
  readonly timeoutMs: number;
  readonly syncTime: boolean;
  readonly pins: PinReader;
  readonly signal: AbortSignal;
  readonly events: ProvisionEvents;
  /** Keys that already took a row of this batch (from the audit log); one at a time skips them for unassigned rows. */
  readonly doneSerials: ReadonlySet<string>;
  readonly pollIntervalMs: number;
}

/** Errors that mean the link to the key is gone or unreliable, not that the key refused. */
const LINK_FAILURE = /^(DISCONNECTED|TIMEOUT|NOT_FOUND|HID_|PROTOCOL_VIOLATION|CANCELLED)/;

/** One key, unlocked and with its account names known, taking rows one after another. */
class KeySession {
  /** The link failed: take no more rows on this key. */
  broken = false;

  private constructor(
    readonly key: OpenKey,
    private readonly names: Set<string>,
    private readonly context: RunnerContext,
  ) {}

  get serial(): string {
    return this.key.info.serial;
  }

  static async start(key: OpenKey, context: RunnerContext): Promise<KeySession> {
    const { timeoutMs } = context;
    if (key.info.locked) await context.events.suspend(() => unlock(key, context.pins, timeoutMs));
    if (context.syncTime) await key.client.setTime(Math.floor(Date.now() / 1000), { timeoutMs });
    const accounts = await key.client.listAccounts({ includeHidden: true, timeoutMs });
    return new KeySession(key, new Set(accounts.map((account) => account.name)), context);
  }

  hasAccount(name: string): boolean {
    return this.names.has(name);
  }

  async write(row: BatchRow): Promise<RowResult> {
    const account = row.request.name;
    let result: RowResult;
    if (this.names.has(account)) {
      result = {
        row: row.row,
        serial: this.serial,
        account,
        result: 'failed',
        code: 'ACCOUNT_NAME_TAKEN',
        message: `Key ${this.serial} already has an account of this row's name: remove it there or rename the row.`,
      };
    } else {
      try {
        const { id } = await createVerifiedAccount(this.key.client, row.request, this.context.timeoutMs);
        this.names.add(account);
        result = { row: row.row, serial: this.serial, account, result: 'ok', id };
      } catch (error) {
        result = await this.failure(row, error);
      }
    }
    row.request.otp.secret.fill(0);
    await this.context.audit.append({
      time: new Date().toISOString(),
      batch: this.context.batch,
      row: row.row,
      serial: this.serial,
      account,
      result: result.result as RowResultKind,
      ...(result.id === undefined ? {} : { id: result.id }),
      ...(result.code === undefined ? {} : { code: result.code }),
      fingerprint: this.context.fingerprints.get(row.row),
    });
    return result;
  }

  private async failure(row: BatchRow, error: unknown): Promise<RowResult> {
    const base = { row: row.row, serial: this.serial, account: row.request.name };
    if (error instanceof RolledBackError) {
      if (LINK_FAILURE.test(errorCode(error.reason) ?? '')) this.broken = true;
      return { ...base, result: error.rolledBack ? 'rolled-back' : 'failed', code: error.code, message: error.message };
    }
    const code = errorCode(error) ?? 'UNEXPECTED';
    if (!LINK_FAILURE.test(code)) return { ...base, result: 'failed', code, message: errorMessage(error) };
    // AccountCreate is atomic, but its answer was lost: the account may be on the key, unverified. The name was
    // free before (it is not in `names`), so an account of that name now is ours to remove.
    try {
      const leftover = (await this.key.client.listAccounts({ includeHidden: true, timeoutMs: this.context.timeoutMs })).find(
        (account) => account.name === base.account,
      );
      if (leftover === undefined) return { ...base, result: 'failed', code, message: errorMessage(error) };
      await this.key.client.deleteAccount(leftover.id, { timeoutMs: this.context.timeoutMs });
      return { ...base, result: 'rolled-back', code, message: `${errorMessage(error).replace(/\.$/, '')}; the new account was removed again.` };
    } catch {
      this.broken = true;
      return {
        ...base,
        result: 'failed',
        code,
        message:
          `${errorMessage(error).replace(/\.$/, '')}; the account may be on the key unverified: ` +
          'check `hkey accounts list` and remove it before running again.',
      };
    }
  }

  close(): Promise<void> {
    return this.key.close();
  }
}

function notReached(row: BatchRow, aborted: boolean, message?: string): RowResult {
  return aborted
    ? { row: row.row, serial: row.serial ?? null, account: row.request.name, result: 'not-reached', code: 'INTERRUPTED', message: 'Stopped before this row.' }
    : {
        row: row.row,
        serial: row.serial ?? null,
        account: row.request.name,
        result: 'not-reached',
        code: 'NO_DEVICE',
        message: message ?? 'The key this row names (column serial) was not among the keys reached: connect it and run again.',
      };
}

/** A session on `key`, or why the key cannot be used (PIN blocked, wrong PIN, link lost) as a result for `row`. */
async function startSession(key: OpenKey, row: BatchRow, context: RunnerContext): Promise<KeySession | RowResult> {
  try {
    const session = await KeySession.start(key, context);
    context.events.keyReady(session.serial, key.url);
    return session;
  } catch (error) {
    await key.close();
    return unusableKey(key.info.serial, row, error, context);
  }
}

/** Records a row that failed because its key could not be used; the key was touched (e.g. a PIN tried), so it is audited. */
async function unusableKey(serial: string, row: BatchRow, error: unknown, context: RunnerContext): Promise<RowResult> {
  const code = errorCode(error) ?? 'UNEXPECTED';
  await context.audit.append({
    time: new Date().toISOString(),
    batch: context.batch,
    row: row.row,
    serial,
    account: row.request.name,
    result: 'failed',
    code,
    fingerprint: context.fingerprints.get(row.row),
  });
  return { row: row.row, serial, account: row.request.name, result: 'failed', code, message: `Key ${serial}: ${errorMessage(error)}` };
}

/** Polls the candidate addresses until a key that `fits` answers; undefined when aborted. */
async function waitForKey(context: RunnerContext, fits: (serial: string) => boolean, onMiss: (present: string[]) => void): Promise<OpenKey | undefined> {
  let missed = false;
  while (!context.signal.aborted) {
    const probes = await probeKeys(context.candidates, context.lock);
    const keys = probes.flatMap((probe) => (probe.key ? [probe.key] : []));
    const match = keys.find((key) => fits(key.info.serial));
    await Promise.all(keys.filter((key) => key !== match).map((key) => key.close()));
    if (match !== undefined) return match;
    if (!missed) onMiss(keys.map((key) => key.info.serial));
    missed = true;
    await sleep(context.pollIntervalMs, undefined, { signal: context.signal }).catch(() => undefined);
  }
  return undefined;
}

/**
 * One key at a time, rows in file order. A row with a serial waits for that key; a row without one waits for a
 * key that has not taken a row of this batch yet, so every unassigned row lands on a fresh key.
 */
export async function runOneAtATime(rows: readonly BatchRow[], context: RunnerContext): Promise<RowResult[]> {
  const results: RowResult[] = [];
  const used = new Set(context.doneSerials);
  let session: KeySession | undefined;
  try {
    for (const [index, row] of rows.entries()) {
      if (context.signal.aborted) {
        results.push(notReached(row, true));
        continue;
      }
      const fits = (serial: string): boolean => (row.serial !== undefined ? serial === row.serial : !used.has(serial));
      if (session === undefined || session.broken || !fits(session.serial)) {
        await session?.close();
        session = undefined;
        const key = await waitForKey(context, fits, (present) =>
          context.events.waiting({
            row: row.row,
            position: index + 1,
            total: rows.length,
            serial: row.serial,
            present: present.filter((serial) => !fits(serial)),
          }),
        );
        if (key === undefined) {
          results.push(notReached(row, true));
          continue;
        }
        const started = await startSession(key, row, context);
        if (!(started instanceof KeySession)) {
          used.add(key.info.serial);
          results.push(started);
          context.events.rowFinished(started);
          continue;
        }
        session = started;
      }
      context.events.rowStarted(row.row, row.request.name, session.serial);
      const result = await session.write(row);
      used.add(session.serial);
      results.push(result);
      context.events.rowFinished(result);
    }
  } finally {
    await session?.close();
  }
  return results;
}

/** Every reachable key at once: rows with a serial go to that key, the others to whichever key is free. */
export async function runParallel(rows: readonly BatchRow[], context: RunnerContext): Promise<RowResult[]> {
  const probes = await probeKeys(context.candidates, context.lock);
  const keys: OpenKey[] = [];
  for (const probe of probes) {
    if (probe.key === undefined) continue;
    // The same key at two addresses would take rows twice over one session.
    if (keys.some((key) => key.info.serial === probe.key?.info.serial)) await probe.key.close();
    else keys.push(probe.key);
  }
  if (keys.length === 0) {
    throw new CliError(
      'NO_DEVICE',
      'No key answers at the given addresses: start the simulator or plug the keys in, and list them with --transport.',
      ExitCode.NO_DEVICE,
    );
  }
  const assigned = new Map<string, BatchRow[]>();
  const unassigned: BatchRow[] = [];
  for (const row of rows) {
    if (row.serial === undefined) unassigned.push(row);
    else assigned.set(row.serial, [...(assigned.get(row.serial) ?? []), row]);
  }
  const results: RowResult[] = [];
  // Locked keys start one after another, so a wrong PIN costs an attempt on one key only (PinReader.rejected);
  // unlocked keys ask for nothing and start together meanwhile (each start is a few exchanges at link pace).
  const start = (key: OpenKey): Promise<KeySession | { failed: unknown }> => KeySession.start(key, context).catch((error: unknown) => ({ failed: error }));
  const unlockedStarts = new Map(keys.filter((key) => !key.info.locked).map((key) => [key, start(key)]));
  const sessions: KeySession[] = [];
  for (const key of keys) {
    try {
      const started = await (unlockedStarts.get(key) ?? start(key));
      if (!(started instanceof KeySession)) throw started.failed;
      sessions.push(started);
      context.events.keyReady(key.info.serial, key.url);
    } catch (error) {
      await key.close();
      // Its own rows fail with the reason; unassigned rows go to the other keys.
      for (const row of assigned.get(key.info.serial) ?? []) {
        const result = await unusableKey(key.info.serial, row, error, context);
        results.push(result);
        context.events.rowFinished(result);
      }
      assigned.delete(key.info.serial);
    }
  }
  const work = async (session: KeySession): Promise<void> => {
    const own = assigned.get(session.serial) ?? [];
    assigned.delete(session.serial);
    try {
      while (!context.signal.aborted && !session.broken) {
        const free = unassigned.findIndex((row) => !session.hasAccount(row.request.name));
        const row = own.shift() ?? (free < 0 ? undefined : unassigned.splice(free, 1)[0]);
        if (row === undefined) return;
        context.events.rowStarted(row.row, row.request.name, session.serial);
        const result = await session.write(row);
        results.push(result);
        context.events.rowFinished(result);
      }
    } finally {
      // Rows of a key whose link broke stay unwritten; say so rather than drop them.
      const reason = `The link to key ${session.serial} failed before this row: reconnect it and run again.`;
      for (const row of own) results.push(notReached(row, context.signal.aborted, reason));
      await session.close();
    }
  };
  await Promise.all(sessions.map(work));
  const reached = new Set(results.map((result) => result.row));
  for (const row of rows) {
    if (reached.has(row.row)) continue;
    const message = row.serial === undefined ? "Every key reached already has an account of this row's name, or none was left." : undefined;
    results.push(notReached(row, context.signal.aborted, message));
  }
  return results.sort((a, b) => a.row - b.row);
}
