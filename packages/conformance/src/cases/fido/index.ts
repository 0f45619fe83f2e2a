import type { ConformanceCase } from '../../case.js';
import { credentialCases } from './credential-cases.js';
import { bleServiceCases } from './ble-service-cases.js';
import { discoverableCases } from './discoverable-cases.js';
import { linkCases } from './link-cases.js';
import { pinCases } from './pin-cases.js';
import { requestCases } from './request-cases.js';
import { resetCases } from './reset-cases.js';
import { u2fCases } from './u2f-cases.js';

/**
 * The security key (docs/protocol.md §9, CTAP 2.1, U2F) on the wire itself, so any host library's leniency cannot
 * hide a fault: raw CTAPHID packets or raw FIDO BLE fragments, whichever the run speaks CTAP over. A few cases are
 * for one transport only (CTAPHID's INIT and commands, the FIDO BLE service's characteristics and MSG rules).
 */
export const fidoCases: readonly ConformanceCase[] = [
  ...linkCases,
  ...requestCases,
  ...credentialCases,
  ...pinCases,
  ...discoverableCases,
  ...resetCases,
  ...u2fCases,
  ...bleServiceCases,
];
