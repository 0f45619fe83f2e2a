/**
 * The navigator.credentials shim over Bluetooth: a key that has only the FIDO GATT service (no HID interface, as a
 * Hideez Key seen through Web Bluetooth) registers and signs in, passwordless with its PIN too; the RP library
 * verifies both, and the credential reports the "ble" transport.
 */
import { describe, expect, test } from 'vitest';
import { BleEndpoint, VirtualKey, autoApprove } from '@hkey/firmware-sim';
import { BleTransport, FidoClient, InPageDeviceSource, connectGattEndpoint, installWebAuthn } from '../src/index.browser.js';
import type { ShimAuthenticatorAttestationResponse } from '../src/index.browser.js';
import { ORIGIN, PIN, loggedIn, registered } from './webauthn-rig.js';

async function bluetoothOnlyPage(pins: string[] = []) {
  const key = await VirtualKey.start({ presence: autoApprove, identity: { serial: 'HK-BLE-000001' }, fido: { transports: ['ble'] } });
  const ble = new BleEndpoint(key, { controlPointLength: 100 });
  const source = new InPageDeviceSource([{ id: 'ble-key', connectGatt: () => connectGattEndpoint(ble) }]);
  const { credentials } = installWebAuthn({ source, origin: ORIGIN, pin: async () => pins.shift() }, {});
  return { key, ble, credentials };
}

describe('navigator.credentials shim over the FIDO GATT service', () => {
  test('second factor: create and get over BLE only', async () => {
    const { credentials } = await bluetoothOnlyPage();
    const stored = await registered(credentials);
    expect((stored.credential.response as ShimAuthenticatorAttestationResponse).getTransports()).toEqual(['ble']);
    const assertion = await loggedIn(credentials, stored, { allowCredentials: [{ type: 'public-key', id: stored.credential.rawId }] });
    expect(assertion.id).toBe(stored.credential.id);
  });

  test('passwordless with the PIN over BLE only', async () => {
    const { credentials, ble } = await bluetoothOnlyPage([PIN, PIN]);
    const transport = await BleTransport.open({ id: 'ble-key', transport: 'ble' }, connectGattEndpoint(ble));
    try {
      await new FidoClient(transport).clientPin.setPin(PIN);
    } finally {
      await transport.close();
    }
    const stored = await registered(credentials, { authenticatorSelection: { residentKey: 'required', userVerification: 'required' } }, true);
    const assertion = await loggedIn(credentials, stored, { userVerification: 'required' }, true);
    expect(assertion.id).toBe(stored.credential.id);
  });
});
