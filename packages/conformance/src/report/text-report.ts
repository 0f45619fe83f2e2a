/** The report people read: one line per case, expected and seen under each failure, a summary last. */
import type { CaseDescriptor, CaseResult } from '../case.js';
import type { ConformanceReport } from '../runner/run-conformance.js';

const LABELS: Readonly<Record<CaseResult['outcome'], string>> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** One case's line (and its explanation), for progress output while the run goes on. */
export function formatCaseResult(result: CaseResult): string {
  const head = `${LABELS[result.outcome]}  ${result.id.padEnd(7)} ${result.title} (${result.spec})`;
  const lines = [result.outcome === 'pass' ? `${head}  ${result.durationMs} ms` : head];
  if (result.outcome === 'fail') {
    lines.push(`        expected: ${result.expected ?? 'a passing case'}`, `        seen:     ${result.seen ?? 'a failure'}`);
  }
  if (result.outcome === 'skip') lines.push(`        skipped:  ${result.reason ?? 'no reason given'}`);
  for (const note of result.notes) lines.push(`        note:     ${note}`);
  return lines.join('\n');
}

export function formatSummary(report: ConformanceReport): string {
  const { pass, fail, skip, total } = report.counts;
  return `${pass} passed, ${fail} failed, ${skip} skipped (${total} cases) in ${(report.durationMs / 1000).toFixed(1)} s`;
}

export function formatTextReport(report: ConformanceReport): string {
  const device = report.device === undefined ? 'unidentified key' : `${report.device.serial}, ${report.device.model}, firmware ${report.device.firmware}`;
  const lines = [
    `HKP/1 conformance: ${report.target} (${device})`,
    `controller: ${report.controller}; ${report.destructive ? 'destructive cases included' : 'destructive cases skipped'}`,
    '',
    ...report.results.map(formatCaseResult),
    '',
    ...report.notes.map((note) => `note: ${note}`),
    formatSummary(report),
  ];
  return `${lines.join('\n')}\n`;
}

/** --list: every case with its spec reference and what it needs. */
export function formatCaseList(cases: readonly CaseDescriptor[]): string {
  const lines = cases.map((descriptor) => {
    const needs = [...descriptor.needs, ...(descriptor.destructive ? ['destructive'] : [])];
    return `${descriptor.id.padEnd(7)} ${descriptor.spec.padEnd(14)} ${descriptor.title}${needs.length > 0 ? `  [${needs.join(', ')}]` : ''}`;
  });
  return `${lines.join('\n')}\n`;
}
