import type { ConformanceCase } from '../../case.js';
import { accountCases } from './account-cases.js';
import { durabilityCases } from './durability-cases.js';
import { infoCases } from './info-cases.js';
import { otpCases } from './otp-cases.js';
import { pinCases } from './pin-cases.js';
import { presenceCases, presenceTimeoutCase } from './presence-cases.js';
import { secretCases } from './secret-cases.js';
import { storageCases } from './storage-cases.js';
import { wipeCases } from './wipe-cases.js';

/** Commands, data model, security rules and OTP (docs/protocol.md §4 to §7). */
export const semanticCases: readonly ConformanceCase[] = [
  ...infoCases,
  ...accountCases,
  ...otpCases,
  ...secretCases,
  ...durabilityCases,
  ...presenceCases,
  ...storageCases,
  ...pinCases,
  ...wipeCases,
  presenceTimeoutCase,
];
