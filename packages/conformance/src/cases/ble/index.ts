import type { ConformanceCase } from '../../case.js';
import { gattCases } from './gatt-cases.js';
import { bleReceiveRuleCases } from './receive-rule-cases.js';
import { bleTransactionCases } from './transaction-cases.js';

/** BLE framing (docs/protocol.md §2), on raw GATT operations. */
export const bleCases: readonly ConformanceCase[] = [...gattCases, ...bleReceiveRuleCases, ...bleTransactionCases];
