/**
 * What a conformance case is and what running one yields. Cases are numbered (HID-01, BLE-01, MSG-01, SEM-01, FIDO-01, SEAL-01),
 * cite the section of docs/protocol.md they check (the security-key cases also CTAP 2.1's), and declare what they need so the runner can skip them with
 * a reason instead of passing them silently.
 */
import type { CaseContext } from './runner/case-context.js';

export type GroupId = 'hid' | 'ble' | 'message' | 'semantics' | 'fido' | 'sealed';

export const GROUPS: Readonly<Record<GroupId, string>> = {
  hid: 'HID framing (§1)',
  ble: 'BLE framing (§2)',
  message: 'Message layer (§3)',
  semantics: 'Semantics (§4 to §7)',
  fido: 'Security key: CTAP 2.1 and U2F (§9)',
  sealed: 'Sealed provisioning (§10)',
};

/**
 * What a case needs beyond a message transport:
 * - hid-port: raw 64-byte reports (the target's openHidPort);
 * - ble-link: a raw GATT port (the target's openBlePort);
 * - ctap-link: a link to speak CTAP over: raw 64-byte reports (CTAPHID) or the key's FIDO BLE service;
 * - fido-ble: the key's FIDO BLE service (the target's openFidoBlePort);
 * - presence: someone (the simulator's control API or an operator) to press, deny, hold or ignore the button;
 * - restart: a power cycle or replug;
 * - power-cut: a power cut in the middle of a durable write (simulator only);
 * - unlocked: a session that may use PIN-protected commands (no PIN set, or the PIN given to the run).
 */
export type Requirement = 'hid-port' | 'ble-link' | 'ctap-link' | 'fido-ble' | 'presence' | 'restart' | 'power-cut' | 'unlocked';

export interface CaseDescriptor {
  /** Stable id, e.g. "HID-06". */
  readonly id: string;
  readonly group: GroupId;
  /** What a conforming key does, in one sentence. */
  readonly title: string;
  /** The sections of docs/protocol.md the case checks, e.g. "§1.3, §1.5". */
  readonly spec: string;
  readonly needs: readonly Requirement[];
  /** Erases the key (Wipe) or leaves changes only Wipe can undo; runs only when the run allows it. */
  readonly destructive: boolean;
}

export interface ConformanceCase extends CaseDescriptor {
  run(ctx: CaseContext): Promise<void>;
}

export type CaseOutcome = 'pass' | 'fail' | 'skip';

export interface CaseResult extends CaseDescriptor {
  readonly outcome: CaseOutcome;
  readonly durationMs: number;
  /** Failures: what the spec asks for. */
  readonly expected?: string;
  /** Failures: what the key did. */
  readonly seen?: string;
  /** Skips: why the case could not run here. */
  readonly reason?: string;
  /** Observations worth keeping even when the case passed (measured cadences, cleanup trouble). */
  readonly notes: readonly string[];
}

/** Declares a case; fills in the defaults so the table stays short. */
export function defineCase(definition: {
  readonly id: string;
  readonly group: GroupId;
  readonly title: string;
  readonly spec: string;
  readonly needs?: readonly Requirement[];
  readonly destructive?: boolean;
  run(ctx: CaseContext): Promise<void>;
}): ConformanceCase {
  return { ...definition, needs: definition.needs ?? [], destructive: definition.destructive ?? false };
}

/** The descriptor alone, for listings and reports. */
export function describeCase(conformanceCase: ConformanceCase): CaseDescriptor {
  const { id, group, title, spec, needs, destructive } = conformanceCase;
  return { id, group, title, spec, needs, destructive };
}
