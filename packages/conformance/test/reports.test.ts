/** The three report formats, on a report with every outcome and text that needs escaping. */
import { expect, test } from 'vitest';
import { type ConformanceReport, formatJsonReport, formatJunitReport, formatTextReport } from '@hkey/conformance';
import { parseJunit } from './support/junit.js';

const base = { needs: [], destructive: false, notes: [] } as const;
const report: ConformanceReport = {
  target: 'udp://127.0.0.1:8111',
  controller: 'none',
  device: { serial: 'HK-1', model: 'Hideez Key 4', firmware: '1.2.3' },
  destructive: false,
  startedAt: '2026-11-23T12:00:00.000Z',
  durationMs: 1234,
  results: [
    { ...base, id: 'HID-05', group: 'hid', title: 'PING of 0 bytes is echoed in 1 packet', spec: '§1.3, §1.5', outcome: 'pass', durationMs: 3 },
    {
      ...base,
      id: 'HID-23',
      group: 'hid',
      title: 'KEEPALIVE at least every 100 ms',
      spec: '§1.7',
      outcome: 'fail',
      durationMs: 1500,
      expected: 'a KEEPALIVE <= 100 ms & "on time"',
      seen: 'a gap of 250 ms\u0001',
      notes: ['14 KEEPALIVEs'],
    },
    { ...base, id: 'BLE-01', group: 'ble', title: 'GATT service', spec: '§2.2', outcome: 'skip', durationMs: 0, reason: 'needs a GATT port' },
  ],
  counts: { pass: 1, fail: 1, skip: 1, total: 3 },
  notes: ['The key held 2 accounts before the run and 3 after it.'],
};

test('JUnit: well-formed XML with escaped text, suites per group and their counts', () => {
  const junit = parseJunit(formatJunitReport(report));
  expect(junit.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '0', skipped: '1' });
  const [hid, ble] = junit.testsuites.testsuite;
  expect(hid).toMatchObject({ name: 'HID framing (§1)', tests: '2', failures: '1', skipped: '0' });
  expect(ble).toMatchObject({ name: 'BLE framing (§2)', tests: '1', failures: '0', skipped: '1' });
  const failed = hid?.testcase[1];
  expect(failed?.name).toBe('HID-23 KEEPALIVE at least every 100 ms (§1.7)');
  expect(failed?.failure?.message).toBe('expected a KEEPALIVE <= 100 ms & "on time"; seen a gap of 250 ms\ufffd');
  expect(failed?.failure?.['#text']).toContain('spec: docs/protocol.md §1.7');
  expect(ble?.testcase[0]?.skipped?.message).toBe('needs a GATT port');
});

test('text: one line per case, expected and seen under a failure, the reason under a skip, notes and a summary', () => {
  const text = formatTextReport(report);
  expect(text).toContain('HKP/1 conformance: udp://127.0.0.1:8111 (HK-1, Hideez Key 4, firmware 1.2.3)');
  expect(text).toMatch(/^PASS {2}HID-05 +PING of 0 bytes/m);
  expect(text).toMatch(/^FAIL {2}HID-23 .*\n +expected: a KEEPALIVE <= 100 ms & "on time"\n +seen: +a gap of 250 ms/m);
  expect(text).toMatch(/^SKIP {2}BLE-01 .*\n +skipped: +needs a GATT port/m);
  expect(text).toContain('note: The key held 2 accounts before the run and 3 after it.');
  expect(text.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed, 1 skipped (3 cases) in 1.2 s');
});

test('JSON: the report as data, named', () => {
  expect(JSON.parse(formatJsonReport(report))).toEqual({ suite: 'HKP/1 conformance', ...JSON.parse(JSON.stringify(report)) });
});
