/** The case table, in run order: framing first, then the message layer, then what the commands do, then the security key, then sealed provisioning. */
import type { ConformanceCase } from '../case.js';
import { bleCases } from './ble/index.js';
import { fidoCases } from './fido/index.js';
import { hidCases } from './hid/index.js';
import { messageCases } from './message/index.js';
import { sealedCases } from './sealed/index.js';
import { semanticCases } from './semantics/index.js';

export const allCases: readonly ConformanceCase[] = [...hidCases, ...bleCases, ...messageCases, ...semanticCases, ...fidoCases, ...sealedCases];
