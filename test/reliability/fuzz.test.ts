/**
 * Every fuzz target with its budget (docs/reliability.md). `npm test` runs the CI budget; `npm run fuzz -- --cases N`
 * (or HKEY_FUZZ_CASES=N) scales it. The table of cases per target and the total is printed at the end.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { type FuzzTarget, casesFor, printReport, record, timeoutFor } from './fuzz/budget.js';
import { fuzzBase32, fuzzBleLinkReader, fuzzCbor, fuzzHidReceiver, fuzzMessages, fuzzOtpauth, fuzzParameterOracle } from './fuzz/codec-targets.js';
import { fuzzCtapCbor, fuzzU2f } from './fuzz/ctap-targets.js';
import { ctapStatusesSeen, fuzzFidoAuthenticator } from './fuzz/fido-targets.js';
import { fuzzKeyParameters, statusesSeen } from './fuzz/key-targets.js';
import { fuzzBleLinkServer } from './fuzz/link-targets.js';
import { fuzzFileStore, fuzzStateJson } from './fuzz/state-targets.js';
import { fuzzBleEndpoint, fuzzHidEndpoint } from './fuzz/transport-targets.js';

function target(name: FuzzTarget, run: (cases: number) => number | Promise<number>, note?: () => string): void {
  test(
    name,
    async () => {
      const started = performance.now();
      const cases = await run(casesFor(name));
      record(name, cases, performance.now() - started, note?.());
      expect(cases).toBeGreaterThan(0);
    },
    timeoutFor(name),
  );
}

describe('fuzzing (docs/reliability.md)', () => {
  afterAll(printReport);

  target('base32 decodeBase32', fuzzBase32);
  target('cbor decodeCbor / decodeMessageParams', fuzzCbor);
  target('cbor decodeRequest / decodeResponse', fuzzMessages);
  target('command parameters (decoder oracle)', fuzzParameterOracle);
  target('otpauth parseOtpauthUri', fuzzOtpauth);
  target('hid HidReceiver', fuzzHidReceiver, () => 'reports');
  target('ble-link BleLinkFrameReader', fuzzBleLinkReader);
  target('command parameters into the key', fuzzKeyParameters, () => `requests; ${statusesSeen.size} statuses reached`);
  target('hid HidEndpoint sequences', fuzzHidEndpoint);
  target('ble BleEndpoint sequences', fuzzBleEndpoint);
  target('state stateFromJson', fuzzStateJson);
  target('state FileStore.load', fuzzFileStore);
  target('ble-link server over TCP', fuzzBleLinkServer, () => 'connections');
  target('ctap decodeCtap', fuzzCtapCbor);
  target('u2f decodeU2fRequest / U2F handler', fuzzU2f, () => 'APDUs');
  target('fido FidoAuthenticator sequences', fuzzFidoAuthenticator, () => `requests; ${ctapStatusesSeen.size} CTAP statuses reached`);
});
