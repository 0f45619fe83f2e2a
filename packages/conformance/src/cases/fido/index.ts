import type { ConformanceCase } from '../../case.js';
import { credentialCases } from './credential-cases.js';
import { ctaphidCases } from './ctaphid-cases.js';
import { discoverableCases } from './discoverable-cases.js';
import { pinCases } from './pin-cases.js';
import { requestCases } from './request-cases.js';
import { resetCases } from './reset-cases.js';
import { u2fCases } from './u2f-cases.js';

/**
 * The security key (docs/protocol.md §9, CTAP 2.1, U2F), on the raw CTAPHID link: the wire itself, so any host
 * library's leniency cannot hide a fault. The FIDO BLE service is not covered yet: these cases need 64-byte reports.
 */
export const fidoCases: readonly ConformanceCase[] = [...ctaphidCases, ...requestCases, ...credentialCases, ...pinCases, ...discoverableCases, ...resetCases, ...u2fCases];
