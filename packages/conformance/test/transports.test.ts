/** The suite over an in-process key: the same cases over a HidReportPort with no sockets at all. */
import { expect, test } from 'vitest';
import { VirtualKey, connectInProcess } from '@hkey/firmware-sim';
import { formatTextReport, hidPortTarget, runConformance } from '@hkey/conformance';

test('HID framing and message cases pass over an in-process port; the cases needing a hand are skipped', async () => {
  const key = await VirtualKey.start();
  const report = await runConformance({
    target: hidPortTarget('in-process', async () => connectInProcess(key), 'virtual'),
    only: ['hid', 'message', 'SEM-04'],
  });
  expect(
    report.results.filter((result) => result.outcome === 'fail'),
    formatTextReport(report),
  ).toEqual([]);
  const skipped = report.results.filter((result) => result.outcome === 'skip').map((result) => result.id);
  expect(skipped).toEqual(['HID-21', 'HID-22', 'HID-23']);
  expect(report.counts.pass).toBe(report.counts.total - 3);
});
