import type { ConformanceCase } from '../../case.js';
import { identityCases } from './identity-cases.js';
import { itemCases } from './item-cases.js';
import { lifecycleCases } from './lifecycle-cases.js';

/** Sealed provisioning (docs/protocol.md §10): identity, issuer, items and their checks, receipts, lifecycle. */
export const sealedCases: readonly ConformanceCase[] = [...identityCases, ...itemCases, ...lifecycleCases];
