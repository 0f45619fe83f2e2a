/** Every account AccountList reports, page after page (§4.8). */
import type { ResponseOf } from '@hkey/protocol';
import type { HkpSession } from '../../session/hkp-session.js';

export type AccountSummary = ResponseOf<'AccountList'>['accounts'][number];

export async function listAccounts(session: HkpSession, includeHidden: boolean): Promise<{ accounts: AccountSummary[]; total: number }> {
  const accounts: AccountSummary[] = [];
  for (;;) {
    const page = await session.ok('AccountList', { offset: accounts.length, includeHidden });
    accounts.push(...page.accounts);
    if (accounts.length >= page.total || page.accounts.length === 0) return { accounts, total: page.total };
  }
}
