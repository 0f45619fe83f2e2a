import type { DeviceInfo } from '@hkey/bridge';

/** A key's PIN state for people: "not set", "set, 8 of 8 attempts left, locked", "blocked". */
export function pinText(info: Pick<DeviceInfo, 'pinState' | 'pinRetries' | 'pinMaxRetries' | 'locked'>): string {
  if (info.pinState === 'NOT_SET') return 'not set';
  if (info.pinState === 'BLOCKED') return 'blocked (only `hkey wipe` resets the key)';
  return `set, ${info.pinRetries} of ${info.pinMaxRetries} attempts left, ${info.locked ? 'locked' : 'unlocked'}`;
}
