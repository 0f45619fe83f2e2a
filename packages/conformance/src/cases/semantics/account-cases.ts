/** Accounts: ids, defaults, unique names, updates, clear, hidden listing, delete (§4.8 to §4.12, §5.1). */
import { AccountFlag, ClearField } from '@hkey/protocol';
import { check, checkEqual } from '../../checks.js';
import { defineCase } from '../../case.js';
import { createAccount } from '../support/accounts.js';
import { listAccounts } from '../support/listing.js';

const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

export const accountCases = [
  defineCase({
    id: 'SEM-02',
    group: 'semantics',
    title: 'Accounts are created with ascending ids and explicit OTP defaults, renamed only to free names, updated, hidden and deleted',
    spec: '§4.8 to §4.12, §5.1',
    needs: ['unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      const first = await createAccount(ctx, session, {
        name: ctx.name('crud-1'),
        login: 'alice@example.org',
        urls: ['https://example.org'],
        apps: ['Example'],
        flags: AccountFlag.PRIMARY,
        otp: { secret: random(20), kind: 'TOTP' },
      });
      const second = await createAccount(ctx, session, { name: ctx.name('crud-2'), otp: { secret: random(20), kind: 'HOTP' } });
      if (first.id < 0xffff) checkEqual(second.id, first.id + 1, 'the next account id (one more than the highest assigned)');
      const stored = await session.ok('AccountGet', { id: first.id });
      checkEqual(stored.name, ctx.name('crud-1'), 'name');
      checkEqual(stored.login, 'alice@example.org', 'login');
      checkEqual(JSON.stringify(stored.urls), '["https://example.org"]', 'urls');
      checkEqual(JSON.stringify(stored.apps), '["Example"]', 'apps');
      checkEqual(stored.flags, AccountFlag.PRIMARY, 'flags');
      checkEqual(stored.hasPassword, false, 'hasPassword');
      checkEqual(JSON.stringify(stored.otp), JSON.stringify({ kind: 'TOTP', algorithm: 'SHA1', digits: 6, period: 30 }), 'TOTP defaults stored explicitly');
      const hotp = await session.ok('AccountGet', { id: second.id });
      checkEqual(JSON.stringify(hotp.otp), JSON.stringify({ kind: 'HOTP', algorithm: 'SHA1', digits: 6, counter: 0 }), 'HOTP defaults stored explicitly');

      await session.expectStatus('AccountCreate', { name: ctx.name('crud-1') }, 'ACCOUNT_NAME_TAKEN');
      await session.expectStatus('AccountUpdate', { id: first.id, name: ctx.name('crud-2') }, 'ACCOUNT_NAME_TAKEN');
      await session.expectStatus('AccountUpdate', { id: first.id, login: 'bob', clear: ClearField.LOGIN }, 'INVALID_PARAMETER');
      await session.ok('AccountUpdate', { id: first.id, login: 'bob', clear: ClearField.URLS });
      const updated = await session.ok('AccountGet', { id: first.id });
      check(
        updated.login === 'bob' && updated.urls === undefined && JSON.stringify(updated.apps) === '["Example"]',
        'login changed, urls cleared, apps kept',
        () => JSON.stringify(updated),
      );

      await session.ok('AccountUpdate', { id: second.id, flags: AccountFlag.HIDDEN });
      const visible = await listAccounts(session, false);
      const all = await listAccounts(session, true);
      check(!visible.accounts.some((account) => account.id === second.id), 'the hidden account left out of AccountList', () => 'it was listed');
      check(
        all.accounts.some((account) => account.id === second.id),
        'the hidden account listed with includeHidden',
        () => 'it was not listed',
      );
      checkEqual(all.total, visible.total + all.accounts.filter((account) => account.flags & AccountFlag.HIDDEN).length, 'the total with hidden accounts');
      const ids = all.accounts.map((account) => account.id);
      check(
        ids.every((id, index) => index === 0 || id > (ids[index - 1] as number)),
        'accounts listed in ascending id order',
        () => ids.join(', '),
      );

      await session.ok('AccountDelete', { id: second.id });
      await session.expectStatus('AccountGet', { id: second.id }, 'ACCOUNT_NOT_FOUND');
      await session.expectStatus('AccountDelete', { id: second.id }, 'ACCOUNT_NOT_FOUND');
      await session.expectStatus('AccountUpdate', { id: second.id, login: 'x' }, 'ACCOUNT_NOT_FOUND');
    },
  }),
];
