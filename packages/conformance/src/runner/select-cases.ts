/** --only: a group id (hid, ble, message, semantics) or a case id (HID-06), in any case, repeatable. */
import { type ConformanceCase, GROUPS } from '../case.js';
import { ConformanceError } from '../failures.js';

export function selectCases(cases: readonly ConformanceCase[], only: readonly string[] = []): ConformanceCase[] {
  if (only.length === 0) return [...cases];
  const wanted = new Set<string>();
  for (const entry of only) {
    const name = entry.trim().toLowerCase();
    const matches = cases.filter((candidate) => candidate.id.toLowerCase() === name || candidate.group === name);
    if (matches.length === 0) {
      throw new ConformanceError('UNKNOWN_CASE', `"${entry}" is neither a group (${Object.keys(GROUPS).join(', ')}) nor a case id; list them with --list.`);
    }
    for (const match of matches) wanted.add(match.id);
  }
  // Table order, not the order of --only: later cases may rely on nothing, but reports read better in order.
  return cases.filter((candidate) => wanted.has(candidate.id));
}
