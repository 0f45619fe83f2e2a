/** --list and --only: which cases a run selects, and the listing people read. */
import { expect, test } from 'vitest';
import { ConformanceError, GROUPS, formatCaseList, listCases, runConformance, selectCases, transportTarget } from '@hkey/conformance';
import { allCases } from '../src/cases/index.js';
import { startRig } from './support/mutant-rig.js';
import { MUTANTS } from './support/mutants.js';

test('case ids are unique, numbered per group, and every case cites the spec', () => {
  const cases = listCases();
  expect(new Set(cases.map((descriptor) => descriptor.id)).size).toBe(cases.length);
  for (const descriptor of cases) {
    expect(descriptor.id).toMatch(/^(HID|BLE|MSG|SEM|FIDO|SEAL)-\d\d$/);
    expect(descriptor.spec).toMatch(/§\d/);
    expect(Object.keys(GROUPS)).toContain(descriptor.group);
  }
  const counts = Object.fromEntries(Object.keys(GROUPS).map((group) => [group, cases.filter((descriptor) => descriptor.group === group).length]));
  expect(counts).toEqual({ hid: 23, ble: 15, message: 26, semantics: 21, fido: 25, sealed: 15 });
});

test('--only takes group and case ids in any case, keeps table order, and refuses unknown names', () => {
  expect(selectCases(allCases, ['hid']).map((selected) => selected.id)).toEqual(
    listCases()
      .filter((descriptor) => descriptor.group === 'hid')
      .map((descriptor) => descriptor.id),
  );
  expect(selectCases(allCases, ['sem-03', 'HID-08', 'ble']).map((selected) => selected.id)).toEqual([
    'HID-08',
    ...listCases()
      .filter((d) => d.group === 'ble')
      .map((d) => d.id),
    'SEM-03',
  ]);
  expect(selectCases(allCases, [])).toHaveLength(allCases.length);
  expect(() => selectCases(allCases, ['HID-99'])).toThrow(ConformanceError);
  expect(() => selectCases(allCases, ['framing'])).toThrow(/neither a group .* nor a case id/);
});

test('--list prints every case with its spec reference and what it needs', () => {
  const listing = formatCaseList(listCases());
  const lines = listing.trimEnd().split('\n');
  expect(lines).toHaveLength(listCases().length);
  expect(lines[0]).toMatch(/^HID-01 +§1\.4, §1\.6 +INIT on the broadcast CID/);
  expect(listing).toMatch(/^SEM-17 .*\[presence, destructive\]$/m);
  expect(listing).toMatch(/^HID-23 .*\[hid-port, presence, unlocked\]$/m);
  expect(listing).toMatch(/^FIDO-01 .*\[hid-port\]$/m);
  expect(listing).toMatch(/^FIDO-14 +§9, CTAP 2\.1 §6\.5\.5\.7.*\[ctap-link, presence, restart, destructive\]$/m);
  expect(listing).toMatch(/^FIDO-24 +§2\.12, CTAP 2\.1 §11\.4.*\[fido-ble\]$/m);
});

test('a run does only what --only selects, and skips what it cannot do with a reason, never passing it', async () => {
  const rig = await startRig();
  try {
    const report = await runConformance({
      target: transportTarget('messages only', () => rig.target.openTransport()),
      only: ['HID-05', 'MSG-01', 'SEM-09', 'SEM-20', 'FIDO-01', 'FIDO-05', 'FIDO-24'],
    });
    expect(report.results.map((result) => [result.id, result.outcome, result.reason])).toEqual([
      ['HID-05', 'skip', 'HID framing needs raw 64-byte reports, which messages only does not provide'],
      ['MSG-01', 'pass', undefined],
      ['SEM-09', 'skip', expect.stringMatching(/needs someone to act on the key/)],
      ['SEM-20', 'skip', expect.stringMatching(/^destructive/)],
      ['FIDO-01', 'skip', 'This CTAPHID case needs raw 64-byte reports, which messages only does not provide'],
      ['FIDO-05', 'skip', "The security-key cases need raw 64-byte reports (CTAPHID) or the key's FIDO BLE service, and messages only provides neither"],
      ['FIDO-24', 'skip', "This case needs the key's FIDO BLE service, which messages only does not reach"],
    ]);
    expect(report.counts).toEqual({ pass: 1, fail: 0, skip: 6, total: 7 });
  } finally {
    await rig.close();
  }
});

test('a run that stops at the first failure reports the cases after it as not run', async () => {
  const broken = MUTANTS.find((mutant) => mutant.killer === 'HID-08');
  const rig = await startRig(broken);
  try {
    const report = await runConformance({ target: rig.target, only: ['HID-05', 'HID-08', 'HID-09'], bail: true });
    expect(report.results.map((result) => [result.id, result.outcome])).toEqual([
      ['HID-05', 'pass'],
      ['HID-08', 'fail'],
      ['HID-09', 'skip'],
    ]);
    expect(report.results[2]?.reason).toMatch(/^not run: an earlier case failed/);
  } finally {
    await rig.close();
  }
});
