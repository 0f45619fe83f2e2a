/** The whole suite, destructive cases included, against the simulator's UDP HID endpoint and control API. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type ConformanceReport, formatJsonReport, formatJunitReport, formatTextReport, listCases, runConformance, udpTarget } from '@hkey/conformance';
import { type RunningSimulator, startSimulator } from './support/simulator.js';
import { parseJunit } from './support/junit.js';

let sim: RunningSimulator;
let report: ConformanceReport;
let directory: string;

beforeAll(async () => {
  sim = await startSimulator();
  directory = await mkdtemp(join(tmpdir(), 'hkey-conformance-'));
  report = await runConformance({ target: udpTarget(sim.udpUrl), controller: sim.controller, destructive: true });
}, 240_000);

afterAll(async () => {
  await sim?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

test('every case that UDP HID can carry passes; the BLE framing cases are skipped with a reason', () => {
  const failed = report.results.filter((result) => result.outcome === 'fail');
  expect(failed, formatTextReport(report)).toEqual([]);
  const cases = listCases();
  expect(report.results.map((result) => result.id)).toEqual(cases.map((descriptor) => descriptor.id));
  for (const result of report.results) {
    if (result.group === 'ble') {
      expect(result.outcome).toBe('skip');
      expect(result.reason).toMatch(/GATT port/);
    } else {
      expect(result.outcome, `${result.id}: ${result.reason ?? ''}`).toBe('pass');
    }
  }
  expect(report.device?.serial).toBe('HK-SIM-000001');
  expect(report.notes).toEqual([]);
});

test('the JUnit report written to a file is what CI tools read: suites per group, counts, skipped with reasons', async () => {
  const file = join(directory, 'conformance.xml');
  await writeFile(file, formatJunitReport(report));
  const junit = parseJunit(await readFile(file, 'utf8'));
  const { counts } = report;
  expect(junit.testsuites).toMatchObject({ tests: String(counts.total), failures: '0', errors: '0', skipped: String(counts.skip) });
  expect(junit.testsuites.testsuite.map((suite) => suite.name)).toEqual(['HID framing (§1)', 'BLE framing (§2)', 'Message layer (§3)', 'Semantics (§4 to §7)']);
  const testcases = junit.testsuites.testsuite.flatMap((suite) => suite.testcase);
  expect(testcases).toHaveLength(counts.total);
  const ble = junit.testsuites.testsuite[1];
  expect(ble?.skipped).toBe(ble?.tests);
  expect(ble?.testcase.every((testcase) => testcase.skipped?.message.includes('GATT port'))).toBe(true);
  expect(testcases.find((testcase) => testcase.name.startsWith('HID-08 '))).toMatchObject({ classname: 'hkp.hid', name: 'HID-08 PING of 58 bytes is echoed in 2 packets (§1.3, §1.5)' });
  expect(testcases.every((testcase) => testcase.failure === undefined)).toBe(true);
});

test('the JSON report carries every result', async () => {
  const file = join(directory, 'conformance.json');
  await writeFile(file, formatJsonReport(report));
  const json = JSON.parse(await readFile(file, 'utf8')) as ConformanceReport & { suite: string };
  expect(json.suite).toBe('HKP/1 conformance');
  expect(json.counts).toEqual(report.counts);
  expect(json.results.map((result) => result.outcome)).toEqual(report.results.map((result) => result.outcome));
});
