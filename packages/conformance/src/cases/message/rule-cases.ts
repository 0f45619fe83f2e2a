/**
 * One case per rule of the message layer (§3.1 to §3.6), each sending its vectors (codec-inputs.ts)
 * as they are and checking the status byte. Error responses must be the status byte alone: only PIN_INVALID
 * and STORAGE_FULL carry a map (§3.5), and none echoes a parameter (§6.4).
 */
import { Status, commandName } from '@hkey/protocol';
import { byteName, describeBytes, fail, fromHex } from '../../checks.js';
import { type ConformanceCase, defineCase } from '../../case.js';
import { MESSAGE_RULES, type MessageRule, type MessageVector } from './codec-inputs.js';
import { decodeStrictly, rawStatus } from '../../session/hkp-session.js';
import type { HkpSession } from '../../session/hkp-session.js';

/** How many mismatches a failure lists before it says "and N more". */
const SHOWN_MISMATCHES = 5;

async function mismatch(session: HkpSession, item: MessageVector): Promise<string | undefined> {
  const request = fromHex(item.request);
  const { raw } = await session.raw(request);
  const expected = Status[item.status];
  if (raw[0] !== expected) return `${describeBytes(request, 12)} (${item.why}) answered ${rawStatus(raw)}`;
  if (item.status === 'OK') {
    decodeStrictly(commandName(request[0] as number) ?? 'GetInfo', raw);
    return undefined;
  }
  if (raw.length !== 1) return `${describeBytes(request, 12)} (${item.why}) answered ${item.status} with ${raw.length - 1} more bytes: ${describeBytes(raw)}`;
  return undefined;
}

function ruleCase(rule: MessageRule): ConformanceCase {
  const statuses = [...new Set(rule.vectors.map((item) => item.status))];
  return defineCase({
    id: rule.id,
    group: 'message',
    title: rule.title,
    spec: rule.spec,
    async run(ctx) {
      const session = await ctx.session();
      const mismatches: string[] = [];
      for (const item of rule.vectors) {
        const problem = await mismatch(session, item);
        if (problem !== undefined) mismatches.push(problem);
      }
      if (mismatches.length > 0) {
        const shown = mismatches.slice(0, SHOWN_MISMATCHES).join('; ');
        const more = mismatches.length > SHOWN_MISMATCHES ? `; and ${mismatches.length - SHOWN_MISMATCHES} more` : '';
        const expected = statuses.map((status) => `${status} (${byteName(Status[status])})`).join(' or ');
        fail(
          `${expected} as the ${rule.vectors.length} vectors of ${rule.spec} say, errors as the status byte alone`,
          `${mismatches.length} of ${rule.vectors.length} vectors answered otherwise: ${shown}${more}`,
        );
      }
    },
  });
}

export const ruleCases: readonly ConformanceCase[] = MESSAGE_RULES.map(ruleCase);
