/**
 * The "hands" of the suite: what a user does to the key that no HKP command can. The simulator does it through
 * its control API (simulator-controller.ts), a real key through an operator at a prompt (operator-controller.ts);
 * without either, the cases that need it are skipped with a reason.
 */
import { CaseSkip } from '../failures.js';

/** How the user answers the key's current button request (docs/protocol.md §6.3). */
export type PresenceAction =
  | { readonly kind: 'press' }
  | { readonly kind: 'deny' }
  | { readonly kind: 'hold'; readonly ms: number }
  /** Nobody touches the key: it keeps waiting until the host cancels or its 30 s run out. */
  | { readonly kind: 'ignore' };

/** `time`: the key's clock and timers jump ahead on request (the simulator's advance, docs/protocol.md §8.3). */
export type ControllerCapability = 'presence' | 'restart' | 'power-cut' | 'time';

/** The key the run talks to, once the suite has asked it (GetInfo). */
export interface ControlledDevice {
  readonly serial: string;
}

export interface DeviceController {
  /** For reports: "simulator control API at http://127.0.0.1:8110", "operator at the terminal". */
  readonly description: string;
  readonly capabilities: ReadonlySet<ControllerCapability>;
  /** Before the first case, e.g. the simulator switches its presence policy to "button" so the suite decides. */
  prepare(device: ControlledDevice | undefined): Promise<void>;
  /** After the last case: undoes prepare(). */
  finish(): Promise<void>;
  /** The key waits for its button now (it sent KEEPALIVE with status 2): act as told. */
  answerPresence(action: PresenceAction): Promise<void>;
  /** Power-cycles (or unplugs and replugs) the key; resolves when it can be reached again. */
  restart(): Promise<void>;
  /** The key's next durable write commits and then its power is cut (simulator fault injection). */
  schedulePowerCut(): Promise<void>;
  /** Withdraws a power cut that never happened. */
  clearPowerCut(): Promise<void>;
  /** With the `time` capability: `ms` of the key's time pass at once, firing its timers (button, packet timeouts) on the way. */
  advanceTime?(ms: number): Promise<void>;
}

const NO_CONTROLLER_REASON = "needs someone to act on the key: pass the simulator's control API (--control URL) or run interactively at a real key";

/** For runs with nobody at the key: every case that needs a hand is skipped. */
export function noController(): DeviceController {
  const unavailable = async (): Promise<never> => {
    throw new CaseSkip(NO_CONTROLLER_REASON);
  };
  return {
    description: 'none (cases that need the button, a restart or a power cut are skipped)',
    capabilities: new Set(),
    prepare: async () => undefined,
    finish: async () => undefined,
    answerPresence: unavailable,
    restart: unavailable,
    schedulePowerCut: unavailable,
    clearPowerCut: unavailable,
  };
}

/** The skip reason for a case whose requirement the controller lacks. */
export function missingCapabilityReason(capability: ControllerCapability, controller: DeviceController): string {
  if (controller.capabilities.size === 0) return NO_CONTROLLER_REASON;
  switch (capability) {
    case 'presence':
      return `needs the key's button, which ${controller.description} cannot operate`;
    case 'restart':
      return `needs a restart of the key, which ${controller.description} cannot do`;
    case 'power-cut':
      return `needs a power cut during a durable write, which only the simulator's control API can inject (${controller.description} cannot)`;
    case 'time':
      return `needs the key's time to jump ahead, which only the simulator's control API can do (${controller.description} cannot)`;
  }
}
