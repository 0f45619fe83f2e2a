/** `hkey sim` prints a precomputed simulator root: it must match firmware-sim's. */
import { simulatorRootCa } from '@hkey/firmware-sim';
import { certificatePem } from '@hkey/firmware-sim/node';
import { expect, test } from 'vitest';
import { SIMULATOR_ROOT_PEM } from '../src/simulator-attestation.js';

test('the precomputed root PEM is the simulator root certificate', async () => {
  expect(SIMULATOR_ROOT_PEM).toBe(certificatePem((await simulatorRootCa()).certificate));
});
