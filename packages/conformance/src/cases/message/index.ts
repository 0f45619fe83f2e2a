import type { ConformanceCase } from '../../case.js';
import { responseCases } from './response-cases.js';
import { ruleCases } from './rule-cases.js';

/** The message layer (docs/protocol.md §3), over any transport. */
export const messageCases: readonly ConformanceCase[] = [...ruleCases, ...responseCases];
