/** One line for an event of the key's log (its fields are never secret: docs/protocol.md §8.3). */
import type { EventView } from '../../src/node/dashboard/view-model.js';

export function eventSummary(event: EventView): string {
  const field = (name: string): string => String(event[name] ?? '');
  switch (event.type) {
    case 'command':
      return `${field('command')} (session ${field('session')}, ${field('transport')})`;
    case 'response':
      return `${field('command')} → ${field('status')} in ${field('ms')} ms`;
    case 'presence':
      return `button ${field('state')}: ${field('kind')} for ${field('reason')}`;
    case 'state':
      return `${field('change')}${event.detail === undefined ? '' : ` ${JSON.stringify(event.detail)}`}`;
    case 'session':
      return `session ${field('session')} ${field('state')} (${field('transport')})`;
    case 'fault':
      return `${field('fault')}${event.detail === undefined ? '' : ` ${JSON.stringify(event.detail)}`}`;
    case 'power':
      return `power ${field('state')}`;
    case 'frame':
      return `${field('direction')} ${field('transport')} ${field('header')} (${field('bytes')} bytes)`;
    default:
      return event.type;
  }
}

export const EVENT_TYPES = ['command', 'response', 'presence', 'state', 'session', 'fault', 'power', 'wink', 'frame'] as const;
