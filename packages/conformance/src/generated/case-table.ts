/** The case list of docs/conformance.md, from the case table: id, spec reference, what a key must do, what the case needs. */
import { type CaseDescriptor, GROUPS, type GroupId } from '../case.js';

export function formatCaseTable(cases: readonly CaseDescriptor[]): string {
  const sections = (Object.keys(GROUPS) as GroupId[]).map((group) => {
    const rows = cases
      .filter((descriptor) => descriptor.group === group)
      .map((descriptor) => {
        const needs = [...descriptor.needs, ...(descriptor.destructive ? ['destructive'] : [])];
        return `| ${descriptor.id} | ${descriptor.spec} | ${descriptor.title.replace(/\|/g, '\\|')} | ${needs.join(', ')} |`;
      });
    return [`### ${GROUPS[group]}`, '', '| case | spec | a conforming key | needs |', '| --- | --- | --- | --- |', ...rows].join('\n');
  });
  return `${sections.join('\n\n')}\n`;
}
