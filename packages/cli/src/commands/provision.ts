/**
 * `hkey provision FILE`: writes a batch of OTP accounts to many keys, one at a time or in parallel, verifying
 * each write and appending every outcome to an audit log. Re-running resumes: rows the log shows done are
 * skipped. The whole file is checked before any key is touched; `--dry-run` stops there.
 */
import { basename } from 'node:path';
import { CliError } from '../cli-error.js';
import { candidateTransports } from '../connect.js';
import { ExitCode } from '../exit-codes.js';
import { describeOtp } from '../otp-credential.js';
import { table } from '../output.js';
import { PinReader } from '../pin-input.js';
import type { RunContext } from '../program.js';
import { AuditLog, readDoneRows } from '../provision/audit-log.js';
import { type BatchRow, type RowProblem, readBatch } from '../provision/batch-file.js';
import { type RowResult, runOneAtATime, runParallel } from '../provision/runner.js';
import { createView } from '../provision/view.js';

export interface ProvisionOptions {
  parallel: boolean;
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

function dryRun(context: RunContext, file: string, rows: readonly BatchRow[], skip: (row: BatchRow) => boolean, problems: readonly RowProblem[]): number {
  const plan = rows.map((row) => ({ row: row.row, serial: row.serial ?? null, account: row.request.name, otp: otpSummary(row), action: skip(row) ? 'skip' : 'write' }));
  context.output.result({ event: 'plan', batch: basename(file), rows: plan, problems }, () => {
    const lines = table(
      ['row', 'key', 'account', 'otp', 'action'],
      rows.map((row) => [String(row.row), target(row), row.request.name, describeOtp(row.request.otp), skip(row) ? 'skip (done before)' : 'write']),
    );
    const writes = plan.filter((row) => row.action === 'write').length;
    const verdict = problems.length === 0 ? 'The file is valid; no key was touched.' : `${problems.length} row(s) have problems (below); no key was touched.`;
    return `${lines}\n\n${writes} row(s) to write, ${plan.length - writes} done before. ${verdict}`;
  });
  printProblems(context, problems);
  return problems.length === 0 ? ExitCode.OK : ExitCode.USAGE;
}

function summarize(context: RunContext, file: string, auditPath: string, results: readonly RowResult[]): { failed: number } {
  const count = (kind: RowResult['result']): number => results.filter((result) => result.result === kind).length;
  const counts = { ok: count('ok'), failed: count('failed'), rolledBack: count('rolled-back'), notReached: count('not-reached'), skipped: count('skipped') };
  context.output.result({ event: 'summary', batch: basename(file), audit: auditPath, counts, rows: results }, () =>
    [
      table(
        ['row', 'key', 'account', 'result', 'detail'],
        results.map((result) => [String(result.row), result.serial ?? '-', result.account, result.result, result.code === undefined ? '' : `${result.code}: ${result.message ?? ''}`]),
      ),
      '',
      `${counts.ok} written and verified, ${counts.skipped} done before, ${counts.rolledBack} rolled back, ${counts.failed} failed, ${counts.notReached} not reached. Audit log: ${auditPath}.`,
    ].join('\n'),
  );
  return { failed: counts.failed + counts.rolledBack + counts.notReached };
}

export async function provision(context: RunContext, file: string, options: ProvisionOptions): Promise<number> {
  const { output, globals } = context;
  const batch = await readBatch(file);
  const done = await readDoneRows(options.audit, basename(file));
  const isDone = (row: BatchRow): boolean => done.has(row.row, row.request.name);
  try {
    if (options.dryRun) return dryRun(context, file, batch.rows, isDone, batch.problems);
    if (batch.problems.length > 0) {
      printProblems(context, batch.problems);
      if (output.options.json) output.result({ event: 'invalid', batch: basename(file), problems: batch.problems }, () => '');
      throw new CliError('BATCH_INVALID', `${batch.problems.length} row(s) of ${file} have problems: fix them (see \`hkey provision ${file} --dry-run\`); no key was touched.`);
    }
    const pending = batch.rows.filter((row) => !isDone(row));
    const skipped: RowResult[] = batch.rows.filter(isDone).map((row) => ({ row: row.row, serial: row.serial ?? null, account: row.request.name, result: 'skipped' }));

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
        candidates: candidateTransports(globals.transport),
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
    const { failed } = summarize(context, file, options.audit, [...results, ...skipped].sort((a, b) => a.row - b.row));
    if (controller.signal.aborted) return ExitCode.INTERRUPTED;
    return failed > 0 ? ExitCode.BATCH_INCOMPLETE : ExitCode.OK;
  } finally {
    for (const row of batch.rows) row.request.otp.secret.fill(0);
  }
}
