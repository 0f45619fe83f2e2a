/** The whole suite, destructive cases included, against the simulator's BLE link (one BLE connection per case). */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ConformanceReport, bleLinkTarget, formatTextReport, runConformance } from '@hkey/conformance';
import { type RunningSimulator, startSimulator } from './support/simulator.js';

let sim: RunningSimulator;
let report: ConformanceReport;

beforeAll(async () => {
  sim = await startSimulator();
  report = await runConformance({ target: bleLinkTarget(sim.bleLinkUrl), controller: sim.controller, destructive: true });
}, 240_000);

afterAll(async () => {
  await sim?.close();
});

test('every case that BLE can carry passes; the HID framing cases are skipped with a reason', () => {
  expect(report.results.filter((result) => result.outcome === 'fail'), formatTextReport(report)).toEqual([]);
  for (const result of report.results) {
    if (result.group === 'hid') {
      expect(result.outcome).toBe('skip');
      expect(result.reason).toMatch(/raw 64-byte reports/);
    } else {
      expect(result.outcome, `${result.id}: ${result.reason ?? ''}`).toBe('pass');
    }
  }
});

test('a link address without a serial finds the only key the link advertises', async () => {
  const linkOnly = sim.bleLinkUrl.replace(/^ble-link:/, 'tcp:').replace(/\/[^/]+$/, '');
  const again = await runConformance({ target: bleLinkTarget(linkOnly), only: ['BLE-02', 'SEM-01'] });
  expect(again.results.map((result) => [result.id, result.outcome])).toEqual([
    ['BLE-02', 'pass'],
    ['SEM-01', 'pass'],
  ]);
});
