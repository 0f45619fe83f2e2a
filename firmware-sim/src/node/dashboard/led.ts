/** The key's LED as the simulator shows it (docs/protocol.md §8.6.2): one colour and pattern per state. */
import type { KeyActivity, LedView } from './view-model.js';

const LOW_BATTERY_PERCENT = 15;

export interface LedInputs {
  readonly activity: KeyActivity;
  readonly pendingKind: 'press' | 'hold' | undefined;
  readonly battery: number;
}

export function ledFor({ activity, pendingKind, battery }: LedInputs): LedView {
  switch (activity) {
    case 'off':
      return { colour: 'off', pattern: 'solid' };
    case 'pin-blocked':
      return { colour: 'red', pattern: 'solid' };
    case 'battery-empty':
      return { colour: 'red', pattern: 'blink-slow' };
    case 'waiting-for-button':
      return pendingKind === 'hold' ? { colour: 'red', pattern: 'blink-fast' } : { colour: 'green', pattern: 'pulse' };
    default:
      break;
  }
  if (activity === 'processing') return { colour: 'blue', pattern: 'solid' };
  if (battery <= LOW_BATTERY_PERCENT) return { colour: 'orange', pattern: 'blink-slow' };
  return activity === 'locked' ? { colour: 'orange', pattern: 'heartbeat' } : { colour: 'green', pattern: 'heartbeat' };
}
