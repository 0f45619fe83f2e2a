/**
 * The whole suite, destructive cases included, against the simulator as `hkey sim` runs it: once over its UDP
 * HID endpoint and once over its BLE link (each with its own simulator and control API, side by side, since most
 * of a run is waiting on the key). Each run spreads its cases over the simulator's keys, and the control API lets
 * the keys' time jump ahead rather than be waited for. The reports are written as JUnit and JSON and read back.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type ConformanceReport,
  type ConformanceTarget,
  bleLinkTarget,
  formatJsonReport,
  formatJunitReport,
  formatTextReport,
  listCases,
  runConformance,
  udpTarget,
} from '@hkey/conformance';
import { type RunningSimulator, startSimulator } from './support/simulator.js';
import { parseJunit } from './support/junit.js';

let simulators: RunningSimulator[] = [];
let overUdp: ConformanceReport;
let overBle: ConformanceReport;
let directory: string;

/** Keys per simulator: each run's cases go to whichever of its keys is free. */
const KEYS = 3;

async function runAgainst(sim: RunningSimulator, link: 'udp' | 'ble', target: ConformanceTarget): Promise<ConformanceReport> {
  const report = await runConformance({ target, controller: sim.controller, lanes: sim.lanes(link), destructive: true });
  console.log(`conformance over ${link} on ${KEYS} keys: ${report.durationMs} ms`);
  return report;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'hkey-conformance-'));
  simulators = await Promise.all([startSimulator(KEYS), startSimulator(KEYS)]);
  const [forUdp, forBle] = simulators as [RunningSimulator, RunningSimulator];
  [overUdp, overBle] = await Promise.all([runAgainst(forUdp, 'udp', udpTarget(forUdp.udpUrl)), runAgainst(forBle, 'ble', bleLinkTarget(forBle.bleLinkUrl))]);
}, 240_000);

afterAll(async () => {
  await Promise.all(simulators.map((sim) => sim.close()));
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** The security-key cases of one transport: CTAPHID's own, and the FIDO BLE service's. */
const CTAPHID_ONLY = ['FIDO-01', 'FIDO-02'];
const FIDO_BLE_ONLY = ['FIDO-24', 'FIDO-25'];

test('over UDP HID every case passes but the BLE framing and FIDO BLE service ones, which are skipped with a reason', () => {
  expect(
    overUdp.results.filter((result) => result.outcome === 'fail'),
    formatTextReport(overUdp),
  ).toEqual([]);
  expect(overUdp.results.map((result) => result.id)).toEqual(listCases().map((descriptor) => descriptor.id));
  for (const result of overUdp.results) {
    if (result.group === 'ble') expect(result.reason).toMatch(/GATT port/);
    else if (FIDO_BLE_ONLY.includes(result.id)) expect(result.reason).toMatch(/FIDO BLE service/);
    else expect(result.outcome, `${result.id}: ${result.reason ?? ''}`).toBe('pass');
  }
  expect(overUdp.device?.serial).toBe('HK-SIM-000001');
  expect(overUdp.notes).toEqual([]);
});

test('over the BLE link every case passes but the HID framing and CTAPHID ones, which are skipped with a reason', () => {
  expect(
    overBle.results.filter((result) => result.outcome === 'fail'),
    formatTextReport(overBle),
  ).toEqual([]);
  for (const result of overBle.results) {
    // The security-key cases speak CTAP over the key's FIDO BLE service here.
    if (result.group === 'hid' || CTAPHID_ONLY.includes(result.id)) expect(result.reason).toMatch(/raw 64-byte reports/);
    else expect(result.outcome, `${result.id}: ${result.reason ?? ''}`).toBe('pass');
  }
});

test('the JUnit report written to a file is what CI tools read: suites per group, counts, skipped with reasons', async () => {
  const file = join(directory, 'conformance.xml');
  await writeFile(file, formatJunitReport(overUdp));
  const junit = parseJunit(await readFile(file, 'utf8'));
  const { counts } = overUdp;
  expect(junit.testsuites).toMatchObject({ tests: String(counts.total), failures: '0', errors: '0', skipped: String(counts.skip) });
  expect(junit.testsuites.testsuite.map((suite) => suite.name)).toEqual([
    'HID framing (§1)',
    'BLE framing (§2)',
    'Message layer (§3)',
    'Semantics (§4 to §7)',
    'Security key: CTAP 2.1 and U2F (§9)',
    'Sealed provisioning (§10)',
  ]);
  const testcases = junit.testsuites.testsuite.flatMap((suite) => suite.testcase);
  expect(testcases).toHaveLength(counts.total);
  const ble = junit.testsuites.testsuite[1];
  expect(ble?.skipped).toBe(ble?.tests);
  expect(ble?.testcase.every((testcase) => testcase.skipped?.message.includes('GATT port'))).toBe(true);
  expect(testcases.find((testcase) => testcase.name.startsWith('HID-08 '))).toMatchObject({
    classname: 'hkp.hid',
    name: 'HID-08 PING of 58 bytes is echoed in 2 packets (§1.3, §1.5)',
  });
  expect(testcases.every((testcase) => testcase.failure === undefined)).toBe(true);
});

test('the JSON report written to a file carries every result', async () => {
  const file = join(directory, 'conformance.json');
  await writeFile(file, formatJsonReport(overBle));
  const json = JSON.parse(await readFile(file, 'utf8')) as ConformanceReport & { suite: string };
  expect(json.suite).toBe('HKP/1 conformance');
  expect(json.counts).toEqual(overBle.counts);
  expect(json.results.map((result) => result.outcome)).toEqual(overBle.results.map((result) => result.outcome));
});

test('a BLE link address without a serial finds the only key the link advertises', async () => {
  const sim = await startSimulator();
  try {
    const linkOnly = sim.bleLinkUrl.replace(/^ble-link:/, 'tcp:').replace(/\/[^/]+$/, '');
    const report = await runConformance({ target: bleLinkTarget(linkOnly), only: ['BLE-02', 'SEM-01'] });
    expect(report.results.map((result) => [result.id, result.outcome])).toEqual([
      ['BLE-02', 'pass'],
      ['SEM-01', 'pass'],
    ]);
  } finally {
    await sim.close();
  }
});

test('the run spread its cases over the keys and let their time jump ahead: the 30 s button timeout took far less', () => {
  for (const report of [overUdp, overBle]) {
    const timeout = report.results.find((result) => result.id === 'SEM-21');
    expect(timeout?.outcome).toBe('pass');
    expect(timeout?.durationMs).toBeLessThan(5_000);
    expect(timeout?.notes.join(' ')).toMatch(/key time/);
  }
  for (const sim of simulators) {
    const keys = sim.simulator.devices;
    expect(keys.map((device) => device.key.events.since(0).some((event) => event.type === 'response'))).toEqual(keys.map(() => true));
    expect(keys.some((device) => device.clock.advancedMs >= 30_000)).toBe(true);
  }
});
