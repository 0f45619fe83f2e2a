/** Accounts a case creates: unique names, and deleted again after the case so the key is left as found. */
import type { RequestOf } from '@hkey/protocol';
import type { CaseContext } from '../../runner/case-context.js';
import type { HkpSession } from '../../session/hkp-session.js';

export type NewAccount = RequestOf<'AccountCreate'>;

/** Creates the account and registers its deletion; returns its id and the storageFree the key reported. */
export async function createAccount(ctx: CaseContext, session: HkpSession, params: NewAccount): Promise<{ id: number; storageFree: number }> {
  const created = await session.ok('AccountCreate', params);
  ctx.onCleanup(async () => {
    const cleaner = await ctx.session();
    const deleted = await cleaner.call('AccountDelete', { id: created.id });
    // Gone already is fine: the case may have deleted it itself, or wiped the key.
    if (deleted.status !== 'OK' && deleted.status !== 'ACCOUNT_NOT_FOUND') throw new Error(`AccountDelete of account ${created.id} answered ${deleted.status}`);
  });
  return created;
}

/** An account with a password: GetPassword always waits for the button, which presence cases need (§4.14). */
export async function passwordAccount(ctx: CaseContext, session: HkpSession): Promise<number> {
  return (await createAccount(ctx, session, { name: ctx.name('presence'), password: 'conformance' })).id;
}

const utf8 = new TextEncoder();
const bytesOf = (text: string | undefined): number => (text === undefined ? 0 : utf8.encode(text).length);

/** docs/protocol.md §5.3: the bytes an account record takes. */
export function recordBytes(account: NewAccount): number {
  return (
    24 +
    bytesOf(account.name) +
    bytesOf(account.login) +
    bytesOf(account.password) +
    (account.urls ?? []).reduce((sum, url) => sum + 1 + bytesOf(url), 0) +
    (account.apps ?? []).reduce((sum, app) => sum + 1 + bytesOf(app), 0) +
    (account.otp === undefined ? 0 : 16 + account.otp.secret.length)
  );
}
