/**
 * `hkey provision FILE`: writes a batch of OTP accounts to many keys, one at a time or in parallel, verifying
 * each write and appending every outcome to an audit log. Re-running resumes: rows the log shows done are
 * skipped, and rows written before but edited since are reported as changed, not written again. The whole file
 * is checked before any key is touched; `--dry-run` stops there.
 */
import { basename } from 'node:path';
import { CliError } from '../cli-error.js';
import { candidateTransports, lockPolicy } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { describeOtp } from '../otp-credential.js';
import { table } from '../output.js';
import { PinReader } from '../pin-input.js';
import type { RunContext } from '../context.js';
import { AuditLog, type RowState, readDoneRows } from '../provision/audit-log.js';
import { type BatchRow, type RowProblem, readBatch } from '../provision/batch-file.js';
import { openAuditKey, readAuditKey, rowFingerprint } from '../provision/row-fingerprint.js';
import { type RowResult, runOneAtATime, runParallel } from '../provision/runner.js';
import { createView } from '../provision/view.js';

export interface ProvisionOptions {
  /** A number only matters to `provision bundle`, which shares the option. */
  parallel: boolean | number;
  audit: string;
  dryRun: boolean;
  syncTime: boolean;
}

/** How often one-at-a-time mode looks for the next key. */
const POLL_INTERVAL_MS = 300;

const target = (row: BatchRow): string => row.serial ?? 'next free key';

function otpSummary(row: BatchRow) {
  const { otp } = row.request;
  return otp.kind === 'TOTP'
    ? { kind: otp.kind, algorithm: otp.algorithm, digits: otp.digits, period: otp.period }
    : { kind: otp.kind, algorithm: otp.algorithm, digits: otp.digits, counter: otp.counter };
}

function printProblems({ output }: RunContext, problems: readonly RowProblem[]): void {
  for (const problem of problems) output.problem(problem.message);
}

const ACTIONS: Readonly<Record<RowState, { action: string; text: string }>> = {
  new: { action: 'write', text: 'write' },
  done: { action: 'skip', text: 'skip (done before)' },
  changed: { action: 'changed', text: 'not written: changed since the last run' },
};

const CHANGED_MESSAGE =
  'This row changed since a run wrote it (the audit log has it with other contents), so it was not written again: check which version the key should hold.';

function dryRun(context: RunContext, file: string, rows: readonly BatchRow[], state: (row: BatchRow) => RowState, problems: readonly RowProblem[]): number {
  const plan = rows.map((row) => ({
    row: row.row,
    serial: row.serial ?? null,
    account: row.request.name,
    otp: otpSummary(row),
    action: ACTIONS[state(row)].action,
  }));
  context.output.result({ event: 'plan', batch: basename(file), rows: plan, problems }, () => {
    const lines = table(
      ['row', 'key', 'account', 'otp', 'action'],
      rows.map((row) => [String(row.row), target(row), row.request.name, describeOtp(row.request.otp), ACTIONS[state(row)].text]),
    );
    const count = (action: string): number => plan.filter((row) => row.action === action).length;
    const changed = count('changed') === 0 ? '' : `, ${count('changed')} changed since the last run (not written)`;
    const verdict = problems.length === 0 ? 'The file is valid; no key was touched.' : `${problems.length} row(s) have problems (below); no key was touched.`;
    return `${lines}\n\n${count('write')} row(s) to write, ${count('skip')} done before${changed}. ${verdict}`;
  });
  printProblems(context, problems);
  return problems.length === 0 ? ExitCode.OK : ExitCode.USAGE;
}

function summarize(context: RunContext, file: string, auditPath: string, results: readonly RowResult[]): { failed: number; changed: number } {
  const count = (kind: RowResult['result']): number => results.filter((result) => result.result === kind).length;
  const counts = {
    ok: count('ok'),
    failed: count('failed'),
    rolledBack: count('rolled-back'),
    notReached: count('not-reached'),
    skipped: count('skipped'),
    changed: count('changed'),
  };
  const changed = counts.changed === 0 ? '' : `, ${counts.changed} changed since the last run (not written)`;
  context.output.result({ event: 'summary', batch: basename(file), audit: auditPath, counts, rows: results }, () =>
    [
      table(
        ['row', 'key', 'account', 'result', 'detail'],
        results.map((result) => [
          String(result.row),
          result.serial ?? '-',
          result.account,
          result.result,
          result.code === undefined ? '' : `${result.code}: ${result.message ?? ''}`,
        ]),
      ),
      '',
      `${counts.ok} written and verified, ${counts.skipped} done before, ${counts.rolledBack} rolled back, ` +
        `${counts.failed} failed, ${counts.notReached} not reached${changed}. Audit log: ${auditPath}.`,
    ].join('\n'),
  );
  return { failed: counts.failed + counts.rolledBack + counts.notReached, changed: counts.changed };
}

export async function provision(context: RunContext, file: string, options: ProvisionOptions): Promise<number> {
  const { output, globals } = context;
  const batch = await readBatch(file);
  const existingKey = await readAuditKey(options.audit);
  const done = await readDoneRows(options.audit, basename(file), existingKey !== undefined);
  // Fingerprints are taken before any write, which wipes each row's secret from memory.
  const stateWith =
    (fingerprints: ReadonlyMap<number, string>) =>
    (row: BatchRow): RowState =>
      done.state(row.row, row.request.name, fingerprints.get(row.row));
  const fingerprintsWith = (key: Buffer | undefined): Map<number, string> =>
    new Map(key === undefined ? [] : batch.rows.map((row) => [row.row, rowFingerprint(key, row)]));
  try {
    if (options.dryRun) return dryRun(context, file, batch.rows, stateWith(fingerprintsWith(existingKey)), batch.problems);
    if (batch.problems.length > 0) {
      printProblems(context, batch.problems);
      if (output.options.json) output.result({ event: 'invalid', batch: basename(file), problems: batch.problems }, () => '');
      throw new CliError(
        'BATCH_INVALID',
        `${batch.problems.length} row(s) of ${file} have problems: fix them (see \`hkey provision ${file} --dry-run\`); no key was touched.`,
      );
    }
    const fingerprints = fingerprintsWith(existingKey ?? (await openAuditKey(options.audit)));
    const state = stateWith(fingerprints);
    const pending = batch.rows.filter((row) => state(row) === 'new');
    const notWritten: RowResult[] = batch.rows.flatMap((row): RowResult[] => {
      const base = { row: row.row, serial: row.serial ?? null, account: row.request.name };
      if (state(row) === 'done') return [{ ...base, result: 'skipped' }];
      if (state(row) === 'changed') return [{ ...base, result: 'changed', code: 'BATCH_ROW_CHANGED', message: CHANGED_MESSAGE }];
      return [];
    });

    const audit = await AuditLog.open(options.audit);
    const view = await createView(output, pending.length);
    // Ctrl-C stops taking rows and waiting for keys; the rows being written finish and are logged.
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let results: RowResult[];
    try {
      const runnerContext = {
        batch: basename(file),
        audit,
        fingerprints,
        candidates: candidateTransports(globals.transport),
        lock: lockPolicy(context),
        timeoutMs: globals.timeout,
        syncTime: options.syncTime,
        pins: new PinReader(globals.pinStdin),
        signal: controller.signal,
        events: view,
        doneSerials: done.serials,
        pollIntervalMs: POLL_INTERVAL_MS,
      };
      results = pending.length === 0 ? [] : options.parallel ? await runParallel(pending, runnerContext) : await runOneAtATime(pending, runnerContext);
    } finally {
      view.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await audit.close();
    }
    const { failed, changed } = summarize(
      context,
      file,
      options.audit,
      [...results, ...notWritten].sort((a, b) => a.row - b.row),
    );
    if (controller.signal.aborted) return ExitCode.INTERRUPTED;
    if (failed > 0) return ExitCode.BATCH_INCOMPLETE;
    return changed > 0 ? ExitCode.BATCH_CHANGED : ExitCode.OK;
  } finally {
    for (const row of batch.rows) row.request.otp.secret.fill(0);
  }
}
