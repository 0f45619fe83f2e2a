/**
 * Every fuzz target with its budget (docs/reliability.md). `npm test` runs the CI budget; `npm run fuzz -- --cases N`
 * (or HKEY_FUZZ_CASES=N) scales it. The table of cases per target and the total is printed at the end.
 */
import { afterAll, describe } from 'vitest';
import { printReport } from './fuzz/budget.js';
import { fuzzBase32, fuzzBleLinkReader, fuzzCbor, fuzzHidReceiver, fuzzMessages, fuzzOtpauth, fuzzParameterOracle } from './fuzz/codec-targets.js';
import { fuzzCtapCbor, fuzzU2f } from './fuzz/ctap-targets.js';
import { ctapStatusesSeen, fuzzFidoAuthenticator } from './fuzz/fido-targets.js';
import { fuzzKeyParameters, statusesSeen } from './fuzz/key-targets.js';
import { fuzzBleLinkServer } from './fuzz/link-targets.js';
import { fuzzFileStore, fuzzStateJson } from './fuzz/state-targets.js';
import { fuzzBleEndpoint, fuzzHidEndpoint } from './fuzz/transport-targets.js';
import { testTarget } from './fuzz/target-test.js';

describe('fuzzing (docs/reliability.md)', () => {
  afterAll(printReport);

  testTarget('base32 decodeBase32', fuzzBase32);
  testTarget('cbor decodeCbor / decodeMessageParams', fuzzCbor);
  testTarget('cbor decodeRequest / decodeResponse', fuzzMessages);
  testTarget('command parameters (decoder oracle)', fuzzParameterOracle);
  testTarget('otpauth parseOtpauthUri', fuzzOtpauth);
  testTarget('hid HidReceiver', fuzzHidReceiver, () => 'reports');
  testTarget('ble-link BleLinkFrameReader', fuzzBleLinkReader);
  testTarget('command parameters into the key', fuzzKeyParameters, () => `requests; ${statusesSeen.size} statuses reached`);
  testTarget('hid HidEndpoint sequences', fuzzHidEndpoint);
  testTarget('ble BleEndpoint sequences', fuzzBleEndpoint);
  testTarget('state stateFromJson', fuzzStateJson);
  testTarget('state FileStore.load', fuzzFileStore);
  testTarget('ble-link server over TCP', fuzzBleLinkServer, () => 'connections');
  testTarget('ctap decodeCtap', fuzzCtapCbor);
  testTarget('u2f decodeU2fRequest / U2F handler', fuzzU2f, () => 'APDUs');
  testTarget('fido FidoAuthenticator sequences', fuzzFidoAuthenticator, () => `requests; ${ctapStatusesSeen.size} CTAP statuses reached`);
});
