/** The CLI names its own commands in the next step of library errors, whose messages name none (they ship to browsers). */
import { BridgeError, DeviceStatusError, TransportError, ctapStatusError } from '@hkey/bridge';
import { CtapStatus, HkeyError } from '@hkey/protocol';
import { expect, test } from 'vitest';
import { errorMessage } from '../src/cli-error.js';

test('HKP statuses get the hkey command that helps', () => {
  expect(errorMessage(new DeviceStatusError('PIN_BLOCKED'))).toBe('PIN blocked: only `hkey wipe` can reset this key.');
  expect(errorMessage(new DeviceStatusError('PIN_REQUIRED'))).toMatch(/`hkey pin verify`/);
  expect(errorMessage(new DeviceStatusError('PIN_INVALID', { retries: 0 }))).toMatch(/no attempts are left.*`hkey wipe`/);
  // Attempts left: the library's sentence says it all.
  expect(errorMessage(new DeviceStatusError('PIN_INVALID', { retries: 2 }))).toBe('Wrong PIN: 2 attempts left before the key blocks.');
});

test("transport errors: the general NOT_FOUND names `hkey sim`, a specific one keeps the bridge's words", () => {
  expect(errorMessage(new TransportError('NOT_FOUND'))).toMatch(/`hkey sim`/);
  const specific = new TransportError('NOT_FOUND', { message: 'No HKP key is plugged in at this path; plug it in and list the keys again.' });
  expect(errorMessage(specific)).toBe(specific.message);
  expect(errorMessage(new BridgeError('BRIDGE_UNAVAILABLE', 'Could not connect to the bridge at ws://127.0.0.1:9/; check that it runs.'))).toMatch(
    /`hkey bridge`/,
  );
});

test('security-key statuses name the hkey fido commands', () => {
  expect(errorMessage(ctapStatusError(CtapStatus.PIN_NOT_SET))).toMatch(/`hkey fido pin set`/);
  expect(errorMessage(ctapStatusError(CtapStatus.PUAT_REQUIRED))).toMatch(/`hkey fido pin set`/);
  expect(errorMessage(ctapStatusError(CtapStatus.PIN_BLOCKED))).toMatch(/`hkey fido reset`/);
  expect(errorMessage(ctapStatusError(CtapStatus.KEY_STORE_FULL))).toMatch(/`hkey fido credentials delete`/);
});

test('a code that is no entry of the table, even an Object property name, keeps its own message', () => {
  for (const code of ['constructor', 'toString', '__proto__', 'SOMETHING_ELSE'])
    expect(errorMessage(new HkeyError(code, 'Its own sentence.'))).toBe('Its own sentence.');
});
