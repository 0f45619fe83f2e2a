import type { ConformanceCase } from '../../case.js';
import { channelCases } from './channel-cases.js';
import { commandCases } from './command-cases.js';
import { pingCases } from './ping-cases.js';
import { receiveRuleCases } from './receive-rule-cases.js';
import { transactionCases } from './transaction-cases.js';

/** HID framing (docs/protocol.md §1), on raw 64-byte reports. */
export const hidCases: readonly ConformanceCase[] = [...channelCases, ...pingCases, ...commandCases, ...receiveRuleCases, ...transactionCases];
