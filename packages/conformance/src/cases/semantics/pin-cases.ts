/** The PIN: policy, retry counter, block, and an attempt charged before the comparison (§6.1, §4.4 to §4.7, §5.5). */
import type { ResponseOf } from '@hkey/protocol';
import { check, checkEqual, fail } from '../../checks.js';
import { defineCase } from '../../case.js';
import { CaseSkip } from '../../failures.js';
import type { HkpSession } from '../../session/hkp-session.js';
import type { CaseContext } from '../../runner/case-context.js';
import { freshKeyForCase, setPin, wipe } from '../support/pin-and-wipe.js';
import { restartAndReconnect } from '../support/restart.js';
import { lockedReason } from '../../runner/key-pin.js';

/** Texts SetPin and ChangePin must refuse as new PINs: too short, too long, not digits, not ASCII digits. */
const POLICY_VIOLATIONS = ['123', '123456789', '12a4', '12 34', '１２３４'];

/** VerifyPin with a wrong PIN: PIN_INVALID carrying the retries left (§6.1 step 5). */
async function expectWrongPin(session: HkpSession, pin: string, retries: number): Promise<void> {
  const response = await session.expectStatus('VerifyPin', { pin }, 'PIN_INVALID');
  checkEqual(JSON.stringify(response.details), JSON.stringify({ retries }), `PIN_INVALID details after a wrong PIN "${pin}"`);
}

/** GetInfo of a new session after a restart, read before any VerifyPin could reset the counter. */
async function infoAfterRestart(ctx: CaseContext): Promise<ResponseOf<'GetInfo'>> {
  const known = ctx.pin;
  ctx.pin = { kind: 'unknown' };
  try {
    return await (await restartAndReconnect(ctx)).ok('GetInfo', {});
  } finally {
    ctx.pin = known;
  }
}

async function expectRetries(session: HkpSession, retries: number, what: string): Promise<void> {
  checkEqual((await session.ok('GetInfo', {})).pinRetries, retries, `GetInfo pinRetries ${what}`);
}

export const pinCases = [
  defineCase({
    id: 'SEM-15',
    group: 'semantics',
    title: 'New PINs must be 4 to 8 ASCII digits (PIN_POLICY_VIOLATION, before any button wait); PIN_NOT_SET and PIN_ALREADY_SET',
    spec: '§6.1, §4.4, §4.5',
    async run(ctx) {
      const session = await ctx.session();
      const pin = ctx.pin;
      if (pin.kind === 'none') {
        // The default call options fail the case if the key waits for the button: a refused PIN never gets that far.
        for (const candidate of POLICY_VIOLATIONS) await session.expectStatus('SetPin', { pin: candidate }, 'PIN_POLICY_VIOLATION');
        checkEqual((await session.ok('GetInfo', {})).pinState, 'NOT_SET', 'pinState after the refused SetPin requests');
        await session.expectStatus('VerifyPin', { pin: '1234' }, 'PIN_NOT_SET');
        await session.expectStatus('ChangePin', { currentPin: '1234', newPin: '5678' }, 'PIN_NOT_SET');
        await session.ok('Lock', {});
        await session.ok('AccountList', {});
        return;
      }
      if (pin.kind !== 'known') throw new CaseSkip(lockedReason(pin) ?? "the key's PIN is not known");
      await session.expectStatus('SetPin', { pin: '2468' }, 'PIN_ALREADY_SET');
      const info = await session.ok('GetInfo', {});
      for (const candidate of POLICY_VIOLATIONS) await session.expectStatus('ChangePin', { currentPin: pin.pin, newPin: candidate }, 'PIN_POLICY_VIOLATION');
      await expectRetries(session, info.pinMaxRetries, 'after ChangePin verified the current PIN (the counter is reset even though the new PIN was refused)');
    },
  }),
  defineCase({
    id: 'SEM-16',
    group: 'semantics',
    title: 'Each wrong PIN costs an attempt (malformed ones too), the right one resets the counter; Lock and ChangePin work',
    spec: '§6.1, §6.2, §4.4 to §4.7',
    needs: ['presence'],
    destructive: true,
    async run(ctx) {
      const session = await freshKeyForCase(ctx);
      await setPin(ctx, session, '2468', 5);
      const info = await session.ok('GetInfo', {});
      check(
        info.pinState === 'SET' && info.pinRetries === 5 && info.pinMaxRetries === 5 && !info.locked,
        'pinState SET, 5 of 5 retries, this session unlocked',
        () => JSON.stringify(info),
      );
      await session.expectStatus('SetPin', { pin: '1357' }, 'PIN_ALREADY_SET');
      await session.ok('Lock', {});
      await session.expectStatus('AccountList', {}, 'PIN_REQUIRED');
      await session.expectStatus('SetTime', { time: 1_700_000_000 }, 'PIN_REQUIRED');
      checkEqual((await session.ok('GetInfo', {})).locked, true, 'GetInfo locked after Lock');
      await expectWrongPin(session, '1111', 4);
      await expectRetries(session, 4, 'after one wrong PIN');
      await expectWrongPin(session, 'not a pin', 3);
      const verified = await session.ok('VerifyPin', { pin: '2468' });
      checkEqual(verified.retries, 5, 'VerifyPin retries after the right PIN');
      await session.ok('AccountList', {});
      await session.expectStatus('ChangePin', { currentPin: '0000', newPin: '1357' }, 'PIN_INVALID');
      await session.ok('ChangePin', { currentPin: '2468', newPin: '1357' });
      ctx.pin = { kind: 'known', pin: '1357' };
      await expectWrongPin(session, '2468', 4);
      checkEqual((await session.ok('VerifyPin', { pin: '1357' })).retries, 5, 'VerifyPin retries after the new PIN');
      if (ctx.controller.capabilities.has('restart')) {
        // A session after the restart starts locked; the PIN and its counter survived (§6.2, §5.5).
        const restarted = await infoAfterRestart(ctx);
        check(
          restarted.pinState === 'SET' && restarted.pinRetries === 5 && restarted.locked,
          'the PIN and a full counter after a restart, the new session locked',
          () => JSON.stringify(restarted),
        );
      }
    },
  }),
  defineCase({
    id: 'SEM-17',
    group: 'semantics',
    title: 'The last wrong PIN blocks the key: every command but GetInfo, Wink and Wipe answers PIN_BLOCKED, and Wipe recovers it',
    spec: '§6.1, §4.16',
    needs: ['presence'],
    destructive: true,
    async run(ctx) {
      const session = await freshKeyForCase(ctx);
      await setPin(ctx, session, '2468', 3);
      await expectWrongPin(session, '0000', 2);
      await expectWrongPin(session, '0001', 1);
      await expectWrongPin(session, '0002', 0);
      ctx.pin = { kind: 'blocked' };
      await session.expectStatus('VerifyPin', { pin: '2468' }, 'PIN_BLOCKED');
      const info = await session.ok('GetInfo', {});
      check(
        info.pinState === 'BLOCKED' && info.pinRetries === 0,
        'GetInfo pinState BLOCKED with 0 retries',
        () => `${info.pinState}, ${info.pinRetries} retries`,
      );
      await session.ok('Wink', {});
      await session.expectStatus('AccountList', {}, 'PIN_BLOCKED');
      await session.expectStatus('SetTime', { time: 1_700_000_000 }, 'PIN_BLOCKED');
      await session.expectStatus('Lock', {}, 'PIN_BLOCKED');
      await session.expectStatus('ChangePin', { currentPin: '2468', newPin: '1357' }, 'PIN_BLOCKED');
      await session.expectStatus('SetPin', { pin: '1357' }, 'PIN_BLOCKED');
      await session.expectStatus('GetOtp', { id: 1 }, 'PIN_BLOCKED');
      await wipe(ctx, session);
      const recovered = await session.ok('GetInfo', {});
      check(
        recovered.pinState === 'NOT_SET' && !recovered.locked,
        'no PIN and an unlocked session after Wipe',
        () => `${recovered.pinState}, locked ${recovered.locked}`,
      );
      await session.ok('AccountList', {});
    },
  }),
  defineCase({
    id: 'SEM-18',
    group: 'semantics',
    title: 'VerifyPin charges the attempt durably before comparing: a power cut at that write costs the attempt even for the right PIN',
    spec: '§5.5, §6.1',
    needs: ['presence', 'power-cut'],
    destructive: true,
    async run(ctx) {
      const session = await freshKeyForCase(ctx);
      await setPin(ctx, session, '2468', 4);
      await ctx.controller.schedulePowerCut();
      let answered: string | undefined;
      try {
        const response = await session.call('VerifyPin', { pin: '2468' }, { timeoutMs: 1500 });
        answered = response.status;
      } catch {
        // No answer: power was cut at the key's first write of this command, as the case intends.
      } finally {
        await ctx.controller.clearPowerCut();
      }
      if (answered !== undefined)
        fail(
          'no answer: the power cut at the first durable write (the charged counter) ends VerifyPin',
          `VerifyPin answered ${answered}, so it wrote nothing before answering`,
        );
      const after = await infoAfterRestart(ctx);
      check(after.pinRetries === 3, 'pinRetries 3 after the cut: the attempt was charged and made durable before the comparison', () =>
        after.pinRetries === 4
          ? 'pinRetries 4: the first write of VerifyPin did not charge the attempt (the counter is charged after the comparison, or only for wrong PINs)'
          : `pinRetries ${after.pinRetries}`,
      );
    },
  }),
];
