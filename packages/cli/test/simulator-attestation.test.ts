/** `hkey sim` prints a precomputed simulator root and builds the batch identity on first use: both must match firmware-sim's. */
import { defaultAttestationIdentity, simulatorRootCa } from '@hkey/firmware-sim';
import { certificatePem } from '@hkey/firmware-sim/node';
import { expect, test } from 'vitest';
import { SIMULATOR_ROOT_PEM, deferredDefaultIdentity } from '../src/simulator-attestation.js';

test('the precomputed root PEM is the simulator root certificate', () => {
  expect(SIMULATOR_ROOT_PEM).toBe(certificatePem(simulatorRootCa().certificate));
});

test('the deferred identity reads as the default attestation identity', () => {
  const deferred = deferredDefaultIdentity();
  const built = defaultAttestationIdentity();
  expect({ aaguid: deferred.aaguid, privateKey: deferred.privateKey, certificates: deferred.certificates, root: deferred.root }).toEqual({
    aaguid: built.aaguid,
    privateKey: built.privateKey,
    certificates: built.certificates,
    root: built.root,
  });
});
