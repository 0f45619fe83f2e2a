/**
 * Runs the selected cases against a key and returns the results: one after the other, or side by side on several
 * keys of the same kind (lanes), each case on one key. Every case gets fresh connections; a case that cannot run
 * here is skipped with the reason; anything unexpected a case meets is a failure, so a broken key never passes.
 */
import { HkeyError } from '@hkey/protocol';
import { type CaseResult, type ConformanceCase, type GroupId, type Requirement, describeCase } from '../case.js';
import { allCases } from '../cases/index.js';
import { type DeviceController, missingCapabilityReason, noController } from '../controller/device-controller.js';
import { CaseFailure, CaseSkip, ConformanceError } from '../failures.js';
import { type ConformanceTarget, ctapTransportOf } from '../target.js';
import { RunningCase, type RunState } from './case-context.js';
import { type KeyPin, lockedReason } from './key-pin.js';
import { selectCases } from './select-cases.js';
import { HkpSession } from '../session/hkp-session.js';

/** A further key the run may use beside the first, e.g. another key of the same simulator, with its own hands. */
export interface ConformanceLane {
  readonly target: ConformanceTarget;
  readonly controller: DeviceController;
}

export interface ConformanceOptions {
  readonly target: ConformanceTarget;
  /** Who acts on the key (button, restart, power cut); default none: such cases are skipped. */
  readonly controller?: DeviceController;
  /** Also run the cases that erase the key (Wipe, PIN block). Never the default: a real key is not wiped unasked. */
  readonly destructive?: boolean;
  /** Group ids or case ids to run; default all. */
  readonly only?: readonly string[];
  /** The key's PIN, when it has one; without it PIN-protected cases are skipped. */
  readonly pin?: string;
  /** Slack for timing limits measured on the host; default 50 ms. */
  readonly timingToleranceMs?: number;
  /** Stop at the first failure; the cases after it are reported as skipped. */
  readonly bail?: boolean;
  /**
   * More keys of the same kind to run cases on at the same time, each case on one key (the cases are independent):
   * a run on a simulator with several keys takes about the time of its longest share. Default none.
   */
  readonly lanes?: readonly ConformanceLane[];
  /** Called with each result as soon as its case ends (progress output). */
  readonly onCaseResult?: (result: CaseResult) => void;
}

export interface DeviceIdentity {
  readonly serial: string;
  readonly model: string;
  readonly firmware: string;
}

export interface ConformanceReport {
  readonly target: string;
  readonly controller: string;
  readonly device: DeviceIdentity | undefined;
  readonly destructive: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly results: readonly CaseResult[];
  readonly counts: { readonly pass: number; readonly fail: number; readonly skip: number; readonly total: number };
  /** About the run as a whole: how the key was found and left. */
  readonly notes: readonly string[];
}

const DEFAULT_TOLERANCE_MS = 50;
/** A case still running after this long has hung; it fails so the run goes on. */
const CASE_TIMEOUT_MS = 180_000;

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const cases = selectCases(allCases, options.only);
  const controller = options.controller ?? noController();
  const startedAt = new Date();
  const began = performance.now();
  const notes: string[] = [];
  const namePrefix = `hkc-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(3)), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  const lanes: RunState[] = [{ target: options.target, controller }, ...(options.lanes ?? [])].map((lane) => ({
    target: lane.target,
    controller: lane.controller,
    destructive: options.destructive ?? false,
    toleranceMs: options.timingToleranceMs ?? DEFAULT_TOLERANCE_MS,
    namePrefix,
    pin: { kind: 'none' },
    transcript: [],
  }));

  const surveys = await Promise.all(lanes.map((run) => survey(run, options.pin, notes)));
  await Promise.all(lanes.map((run, index) => run.controller.prepare(surveys[index] && { serial: surveys[index].identity.serial })));
  const results: CaseResult[] = new Array<CaseResult>(cases.length);
  let next = 0;
  let failed = false;
  // Each lane takes the next case in table order as soon as it is free.
  const work = async (run: RunState): Promise<void> => {
    for (let index = next++; index < cases.length; index = next++) {
      const conformanceCase = cases[index] as ConformanceCase;
      const result =
        failed && options.bail
          ? skipped(conformanceCase, 'not run: an earlier case failed and the run stops at the first failure (bail)')
          : await runCase(conformanceCase, run);
      if (result.outcome === 'fail') failed = true;
      results[index] = result;
      options.onCaseResult?.(result);
    }
  };
  try {
    await Promise.all(lanes.map(work));
  } finally {
    await Promise.all(lanes.map((run) => run.controller.finish()));
  }
  await Promise.all(lanes.map((run, index) => compareWithSurvey(run, surveys[index], notes)));

  const count = (outcome: CaseResult['outcome']): number => results.filter((result) => result.outcome === outcome).length;
  return {
    target: options.target.name,
    controller: controller.description,
    device: surveys[0]?.identity,
    destructive: options.destructive ?? false,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - began),
    results,
    counts: { pass: count('pass'), fail: count('fail'), skip: count('skip'), total: results.length },
    notes,
  };
}

interface Survey {
  readonly identity: DeviceIdentity;
  readonly accountCount: number;
}

/** Asks the key who it is and what it holds, and works out whether sessions can be unlocked. */
async function survey(run: RunState, pin: string | undefined, notes: string[]): Promise<Survey | undefined> {
  let transport;
  try {
    transport = await run.target.openTransport();
  } catch (error) {
    throw new ConformanceError('TARGET_UNREACHABLE', `Cannot reach a key at ${run.target.name}: ${describeError(error)}`, { cause: error });
  }
  const session = new HkpSession(transport, run.controller, run.transcript);
  try {
    const info = await session.ok('GetInfo', {});
    run.pin = await pinOf(session, info.pinState, pin, notes);
    return { identity: { serial: info.serial, model: info.model, firmware: info.firmware }, accountCount: info.accountCount };
  } catch (error) {
    notes.push(`The key's first GetInfo failed, so the run knows nothing about it: ${describeError(error)}`);
    return undefined;
  } finally {
    await session.close().catch(() => undefined);
  }
}

async function pinOf(session: HkpSession, pinState: 'NOT_SET' | 'SET' | 'BLOCKED', pin: string | undefined, notes: string[]): Promise<KeyPin> {
  if (pinState === 'NOT_SET') return { kind: 'none' };
  if (pinState === 'BLOCKED') return { kind: 'blocked' };
  if (pin === undefined) return { kind: 'unknown' };
  const verified = await session.call('VerifyPin', { pin });
  if (verified.status === 'OK') return { kind: 'known', pin };
  notes.push(`The PIN given to the run was refused (${verified.status}); PIN-protected cases are skipped.`);
  return { kind: 'unknown' };
}

/** A non-destructive run leaves as many accounts as it found; say so when it did not. */
async function compareWithSurvey(run: RunState, before: Survey | undefined, notes: string[]): Promise<void> {
  if (before === undefined || run.destructive) return;
  try {
    const transport = await run.target.openTransport();
    const session = new HkpSession(transport, run.controller, []);
    try {
      const after = await session.ok('GetInfo', {});
      if (after.accountCount !== before.accountCount) {
        notes.push(`The key held ${before.accountCount} accounts before the run and ${after.accountCount} after it.`);
      }
    } finally {
      await session.close();
    }
  } catch (error) {
    notes.push(`Could not check the key after the run: ${describeError(error)}`);
  }
}

async function runCase(conformanceCase: ConformanceCase, run: RunState): Promise<CaseResult> {
  const unmet = unmetNeed(conformanceCase, run);
  if (unmet !== undefined) return skipped(conformanceCase, unmet);
  const started = performance.now();
  const context = new RunningCase(run);
  let outcome: Pick<CaseResult, 'outcome' | 'expected' | 'seen' | 'reason'>;
  try {
    await withTimeout(conformanceCase.run(context), CASE_TIMEOUT_MS);
    outcome = { outcome: 'pass' };
  } catch (error) {
    outcome = judge(error);
  }
  const problems = await context.dispose();
  if (problems.length > 0) {
    context.note(`Undoing the case's changes failed: ${problems.join('; ')}`);
    if (outcome.outcome === 'pass') outcome = { outcome: 'fail', expected: "the case's changes to be undone", seen: problems.join('; ') };
  }
  return { ...describeCase(conformanceCase), ...outcome, durationMs: Math.round(performance.now() - started), notes: context.notes };
}

function unmetNeed(conformanceCase: ConformanceCase, run: RunState): string | undefined {
  if (conformanceCase.destructive && !run.destructive) return 'destructive (erases the key or leaves what only Wipe removes): run with --destructive';
  for (const need of conformanceCase.needs) {
    const reason = reasonFor(need, run, conformanceCase.group);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function reasonFor(need: Requirement, run: RunState, group: GroupId): string | undefined {
  switch (need) {
    case 'hid-port': {
      const who = group === 'fido' ? 'This CTAPHID case' : 'HID framing';
      return run.target.openHidPort ? undefined : `${who} needs raw 64-byte reports, which ${run.target.name} does not provide`;
    }
    case 'ble-link':
      return run.target.openBlePort ? undefined : `BLE framing needs a raw GATT port, which ${run.target.name} does not provide`;
    case 'ctap-link':
      return ctapTransportOf(run.target) !== undefined
        ? undefined
        : `The security-key cases need raw 64-byte reports (CTAPHID) or the key's FIDO BLE service, and ${run.target.name} provides neither`;
    case 'fido-ble':
      return run.target.openFidoBlePort ? undefined : `This case needs the key's FIDO BLE service, which ${run.target.name} does not reach`;
    case 'unlocked':
      return lockedReason(run.pin);
    case 'presence':
    case 'restart':
    case 'power-cut':
      return run.controller.capabilities.has(need) ? undefined : missingCapabilityReason(need, run.controller);
  }
}

function judge(error: unknown): Pick<CaseResult, 'outcome' | 'expected' | 'seen' | 'reason'> {
  if (error instanceof CaseSkip) return { outcome: 'skip', reason: error.reason };
  if (error instanceof CaseFailure) return { outcome: 'fail', expected: error.expected, seen: error.seen };
  return { outcome: 'fail', expected: 'the key to answer as the case requires', seen: describeError(error) };
}

function skipped(conformanceCase: ConformanceCase, reason: string): CaseResult {
  return { ...describeCase(conformanceCase), outcome: 'skip', reason, durationMs: 0, notes: [] };
}

export function describeError(error: unknown): string {
  if (error instanceof HkeyError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CaseFailure(`the case to finish within ${ms / 1000} s`, 'it was still waiting for the key')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
