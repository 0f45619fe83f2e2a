/** --json FILE: the whole report as data, for dashboards and other tools. */
import type { ConformanceReport } from '../runner/run-conformance.js';

export function formatJsonReport(report: ConformanceReport): string {
  return `${JSON.stringify({ suite: 'HKP/1 conformance', ...report }, null, 2)}\n`;
}
