/** Read-only accounts leave only through Wipe; Wipe needs a 10-second hold and keeps the identity and clock (§4.16, §5.1). */
import { AccountFlag, ClearField } from '@hkey/protocol';
import { check, checkEqual } from '../../checks.js';
import { defineCase } from '../../case.js';
import { freshKeyForCase, setPin, wipe } from '../support/pin-and-wipe.js';

export const wipeCases = [
  defineCase({
    id: 'SEM-19',
    group: 'semantics',
    title: 'A read-only account refuses every update (flags included) and delete with ACCOUNT_READ_ONLY, after ACCOUNT_NOT_FOUND',
    spec: '§4.11, §4.12, §5.1',
    needs: ['presence'],
    destructive: true,
    async run(ctx) {
      const session = await freshKeyForCase(ctx);
      const { id } = await session.ok('AccountCreate', { name: ctx.name('read-only'), login: 'fixed', flags: AccountFlag.READ_ONLY });
      await session.expectStatus('AccountUpdate', { id, login: 'changed' }, 'ACCOUNT_READ_ONLY');
      await session.expectStatus('AccountUpdate', { id, flags: 0 }, 'ACCOUNT_READ_ONLY');
      await session.expectStatus('AccountUpdate', { id, clear: ClearField.LOGIN }, 'ACCOUNT_READ_ONLY');
      await session.expectStatus('AccountDelete', { id }, 'ACCOUNT_READ_ONLY');
      const account = await session.ok('AccountGet', { id });
      check(account.login === 'fixed' && account.flags === AccountFlag.READ_ONLY, 'the account unchanged', () => JSON.stringify(account));
      await session.ok('AccountDelete', { id: (await session.ok('AccountCreate', { name: ctx.name('writable') })).id });
      await session.expectStatus('AccountDelete', { id: 0xfffe }, 'ACCOUNT_NOT_FOUND');
    },
  }),
  defineCase({
    id: 'SEM-20',
    group: 'semantics',
    title: 'Wipe: too short a hold or a deny erases nothing; a 10-second hold erases accounts and PIN, keeps identity and clock',
    spec: '§4.16, §6.3',
    needs: ['presence'],
    destructive: true,
    async run(ctx) {
      const session = await freshKeyForCase(ctx);
      await session.ok('AccountCreate', { name: ctx.name('wiped'), password: 'gone', flags: AccountFlag.READ_ONLY });
      await setPin(ctx, session, '2468', 8);
      const before = await session.ok('GetInfo', {});
      const beforeAt = performance.now();
      await session.expectStatus('Wipe', {}, 'USER_PRESENCE_HOLD_TOO_SHORT', { presence: { kind: 'hold', ms: 2000 } });
      await session.expectStatus('Wipe', {}, 'USER_PRESENCE_DENIED', { presence: { kind: 'deny' } });
      const kept = await session.ok('GetInfo', {});
      check(
        kept.accountCount === before.accountCount && kept.pinState === 'SET',
        'nothing erased by the refused Wipes',
        () => `${kept.accountCount} accounts, pinState ${kept.pinState}`,
      );
      await wipe(ctx, session);
      const after = await session.ok('GetInfo', {});
      checkEqual(after.accountCount, 0, 'accountCount after Wipe');
      checkEqual(after.pinState, 'NOT_SET', 'pinState after Wipe');
      checkEqual(after.locked, false, 'locked after Wipe (no PIN is set)');
      checkEqual(after.storageFree, after.storageTotal, 'storageFree after Wipe');
      check(
        after.serial === before.serial && after.model === before.model && after.firmware === before.firmware,
        'the identity kept',
        () => `${after.serial}, ${after.model}, ${after.firmware}`,
      );
      const expectedTime = Number(before.time) + (performance.now() - beforeAt) / 1000;
      check(
        Math.abs(Number(after.time) - expectedTime) <= 2,
        'the clock kept running through Wipe',
        () => `time ${String(after.time)}, about ${Math.round(expectedTime)} expected`,
      );
    },
  }),
];
