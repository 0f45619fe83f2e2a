/** Checks a code a page printed against the protocol's own TOTP (the rigs' SECRET, SHA1, 6 digits, 30 s). */
import { expect } from 'vitest';
import { totp } from '@hkey/protocol';
import { SECRET } from '../../bridge/test/rig.js';

export function expectCurrentCode(printed: string): void {
  const now = Math.floor(Date.now() / 1000);
  // The page may have read the code just before a period boundary.
  expect([`code: ${totp(SECRET, now)}`, `code: ${totp(SECRET, now - 30)}`]).toContain(printed);
}
