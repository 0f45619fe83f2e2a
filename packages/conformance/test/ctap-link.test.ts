/** Which link the security-key cases speak CTAP over, and the same cases over either one. */
import { expect, test } from 'vitest';
import { bleGattTarget, combineTargets, formatTextReport, hidPortTarget, runConformance } from '@hkey/conformance';
import { startRig } from './support/mutant-rig.js';

const unreachable = (): Promise<never> => Promise.reject(new Error('not opened in this test'));

test("a combined run speaks CTAP over its first target's link; a target with one link uses that one", () => {
  const hid = hidPortTarget('hid', unreachable);
  const ble = bleGattTarget('ble', unreachable, unreachable);
  expect(combineTargets(hid, ble).ctapTransport).toBe('hid');
  expect(combineTargets(ble, hid).ctapTransport).toBe('ble');
  expect(combineTargets(ble, hid).openHidPort).toBeDefined();
  expect(combineTargets(bleGattTarget('hkp only', unreachable), hid).ctapTransport).toBe('hid');
});

test('KEEPALIVE, CANCEL and U2F cases pass over CTAPHID and over the FIDO BLE service of the same key', async () => {
  const rig = await startRig();
  try {
    for (const ctapTransport of ['hid', 'ble'] as const) {
      const report = await runConformance({
        target: { ...rig.target, ctapTransport },
        controller: rig.controller,
        only: ['FIDO-03', 'FIDO-04', 'FIDO-21', 'FIDO-23'],
      });
      expect(
        report.results.filter((result) => result.outcome !== 'pass'),
        `${ctapTransport}: ${formatTextReport(report)}`,
      ).toEqual([]);
    }
  } finally {
    await rig.close();
  }
});
