/**
 * --junit FILE: JUnit XML as CI tools read it (Jenkins, GitLab, GitHub actions that publish test results):
 * one testsuite per group, one testcase per case, failure and skipped elements, counts in attributes.
 */
import { type CaseResult, GROUPS, type GroupId } from '../case.js';
import type { ConformanceReport } from '../runner/run-conformance.js';

export function formatJunitReport(report: ConformanceReport): string {
  const groups = (Object.keys(GROUPS) as GroupId[])
    .map((group) => ({ group, results: report.results.filter((result) => result.group === group) }))
    .filter(({ results }) => results.length > 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="HKP/1 conformance" ${counts(report.results)} time="${seconds(report.durationMs)}">`,
  ];
  for (const { group, results } of groups) {
    const time = results.reduce((sum, result) => sum + result.durationMs, 0);
    lines.push(
      `  <testsuite name="${escape(GROUPS[group])}" ${counts(results)} time="${seconds(time)}" ` +
        `timestamp="${escape(report.startedAt)}" hostname="${escape(report.target)}">`,
    );
    for (const result of results) lines.push(...testcase(group, result));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function testcase(group: GroupId, result: CaseResult): string[] {
  const open = `    <testcase classname="hkp.${group}" name="${escape(`${result.id} ${result.title} (${result.spec})`)}" time="${seconds(result.durationMs)}"`;
  const notes = result.notes.length > 0 ? [`      <system-out>${escape(result.notes.join('\n'))}</system-out>`] : [];
  switch (result.outcome) {
    case 'pass':
      return notes.length === 0 ? [`${open}/>`] : [`${open}>`, ...notes, '    </testcase>'];
    case 'skip':
      return [`${open}>`, `      <skipped message="${escape(result.reason ?? '')}"/>`, ...notes, '    </testcase>'];
    case 'fail': {
      const message = `expected ${result.expected ?? ''}; seen ${result.seen ?? ''}`;
      const body = `expected: ${result.expected ?? ''}\nseen: ${result.seen ?? ''}\nspec: docs/protocol.md ${result.spec}`;
      return [`${open}>`, `      <failure message="${escape(message)}" type="ConformanceFailure">${escape(body)}</failure>`, ...notes, '    </testcase>'];
    }
  }
}

function counts(results: readonly CaseResult[]): string {
  const of = (outcome: CaseResult['outcome']): number => results.filter((result) => result.outcome === outcome).length;
  return `tests="${results.length}" failures="${of('fail')}" errors="0" skipped="${of('skip')}"`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Escapes markup and drops characters XML 1.0 cannot carry at all (control characters from a key's bytes). */
function escape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- exactly the characters XML 1.0 forbids
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
