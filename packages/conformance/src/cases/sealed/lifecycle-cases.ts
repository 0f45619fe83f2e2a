/** The lifecycle (§10.6) sealed items drive, and the issuer's PIN policy (§10.4.2). */
import { hotp } from '@hkey/protocol';
import { check, checkEqual, patternBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { setPin, wipe } from '../support/pin-and-wipe.js';
import { expectApplied, expectRefused } from './receipts.js';
import { enroll, enrolledKeyForCase, isPristine, unverifiedSession } from './setup.js';

const needs = ['presence'] as const;

async function lifecycleOf(session: HkpSession): Promise<string | undefined> {
  const info = await session.ok('GetInfo', {});
  const identity = await session.ok('GetIdentity', {});
  check(
    info.lifecycle === identity.lifecycle,
    'GetInfo and GetIdentity reporting the same lifecycle',
    () => `${String(info.lifecycle)} and ${identity.lifecycle}`,
  );
  return identity.lifecycle;
}

export const lifecycleCases = [
  defineCase({
    id: 'SEAL-13',
    group: 'sealed',
    title: 'Suspend and Lock stop GetOtp and account items with LIFECYCLE_FORBIDS; Resume brings the accounts back',
    spec: '§10.6, §10.4.2',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, account } = await enrolledKeyForCase(ctx);
      const secret = patternBytes(20, 31);
      const created = await expectApplied(
        session,
        key,
        await issuer.seal(key, 1, 'AccountCreate', { name: ctx.name('lifecycle'), otp: { secret, kind: 'HOTP' } }),
      );
      const id = created.accountId ?? 0;
      const otpWorks = async (when: string): Promise<void> => {
        const otp = await session.ok('GetOtp', { id });
        checkEqual(otp.code, hotp(secret, BigInt(otp.counter ?? -1)), `the account's HOTP code ${when}`);
      };
      await otpWorks('while ACTIVE');
      await expectApplied(session, key, await issuer.seal(key, 2, 'Suspend', {}), 'Suspend');
      checkEqual(await lifecycleOf(session), 'SUSPENDED', 'the lifecycle after Suspend');
      await session.expectStatus('GetOtp', { id }, 'LIFECYCLE_FORBIDS');
      await session.expectStatus('AccountList', {}, 'LIFECYCLE_FORBIDS');
      await expectRefused(session, key, await account(3, 'while-suspended'), 'LIFECYCLE_FORBIDS', 'AccountCreate on a SUSPENDED key', 'consumed');
      await expectApplied(session, key, await issuer.seal(key, 4, 'Resume', {}), 'Resume');
      checkEqual(await lifecycleOf(session), 'ACTIVE', 'the lifecycle after Resume');
      await otpWorks('after Resume');
      await expectApplied(session, key, await issuer.seal(key, 5, 'Lock', {}), 'Lock');
      checkEqual(await lifecycleOf(session), 'LOCKED', 'the lifecycle after Lock');
      await session.expectStatus('GetOtp', { id }, 'LIFECYCLE_FORBIDS');
      await expectRefused(session, key, await issuer.seal(key, 6, 'Lock', {}), 'LIFECYCLE_FORBIDS', 'Lock on a LOCKED key', 'consumed');
      await expectApplied(session, key, await issuer.seal(key, 7, 'Resume', {}), 'Resume after Lock');
      await otpWorks('after the second Resume');
      checkEqual((await session.ok('GetInfo', {})).accountCount, 1, 'accountCount (the item refused while SUSPENDED made nothing)');
    },
  }),
  defineCase({
    id: 'SEAL-14',
    group: 'sealed',
    title: 'A sealed Wipe or Compromise retires the key: accounts gone, items answered with LIFECYCLE_FORBIDS receipts until a Wipe',
    spec: '§10.6, §10.4.4',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, account } = await enrolledKeyForCase(ctx);
      await expectApplied(session, key, await account(1, 'retired'));
      await expectApplied(session, key, await issuer.seal(key, 2, 'Wipe', {}), 'the sealed Wipe');
      checkEqual(await lifecycleOf(session), 'DEACTIVATED', 'the lifecycle after the sealed Wipe');
      checkEqual((await session.ok('GetInfo', {})).accountCount, 0, 'accountCount after the sealed Wipe');
      await session.expectStatus('AccountList', {}, 'LIFECYCLE_FORBIDS');
      await session.expectStatus('EnrollIssuer', { issuerPublicKey: issuer.publicKey }, 'LIFECYCLE_FORBIDS');
      await expectRefused(session, key, await account(3, 'deactivated'), 'LIFECYCLE_FORBIDS', 'an item for a DEACTIVATED key');
      await expectRefused(session, key, await issuer.seal(key, 3, 'Resume', {}), 'LIFECYCLE_FORBIDS', 'Resume on a DEACTIVATED key');
      await wipe(ctx, session);
      const wiped = await session.ok('GetIdentity', {});
      check(wiped.lifecycle === 'READY' && wiped.issuerId === undefined, 'READY without issuer after Wipe (§10.3)', () => wiped.lifecycle);
      await enroll(session, issuer);
      await expectApplied(session, key, await issuer.seal(key, 1, 'Compromise', {}), 'Compromise');
      checkEqual(await lifecycleOf(session), 'COMPROMISED', 'the lifecycle after Compromise');
      await expectRefused(session, key, await account(2, 'compromised'), 'LIFECYCLE_FORBIDS', 'an item for a COMPROMISED key');
      await session.expectStatus('AccountCreate', { name: ctx.name('plain') }, 'LIFECYCLE_FORBIDS');
    },
  }),
  defineCase({
    id: 'SEAL-15',
    group: 'sealed',
    title: 'A PIN policy item: shorter PINs refused, its tries replace SetPin’s, an expired PIN answers PIN_EXPIRED until changed',
    spec: '§10.4.2, §4.4, §4.6',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, now } = await enrolledKeyForCase(ctx);
      const startedAt = performance.now();
      // Runs before the wipe of setup.ts: wipes first (the PIN would stop SetTime), then puts the clock back.
      ctx.onCleanup(async () => {
        const cleaner = await unverifiedSession(ctx);
        if (!(await isPristine(cleaner))) await wipe(ctx, cleaner);
        await cleaner.ok('SetTime', { time: now + Math.round((performance.now() - startedAt) / 1000) });
      });
      await expectApplied(session, key, await issuer.seal(key, 1, 'PinPolicy', { minLength: 6, maxTries: 5, expiryDays: 30 }), 'the PIN policy');
      await session.expectStatus('SetPin', { pin: '2468' }, 'PIN_POLICY_VIOLATION', { presence: { kind: 'press' } });
      await setPin(ctx, session, '246813', 10);
      checkEqual((await session.ok('GetInfo', {})).pinMaxRetries, 5, "pinMaxRetries: the policy's tries, not SetPin's 10");
      await session.ok('SetTime', { time: now + 31 * 86_400 });
      await session.ok('Lock', {});
      await session.expectStatus('VerifyPin', { pin: '246813' }, 'PIN_EXPIRED');
      const info = await session.ok('GetInfo', {});
      check(
        info.locked && info.pinRetries === 5,
        'the session still locked and the attempt refunded after PIN_EXPIRED',
        () => `locked ${info.locked}, ${info.pinRetries} tries`,
      );
      await session.expectStatus('ChangePin', { currentPin: '246813', newPin: '1357' }, 'PIN_POLICY_VIOLATION');
      await session.ok('ChangePin', { currentPin: '246813', newPin: '135792' });
      ctx.pin = { kind: 'known', pin: '135792' };
      await session.ok('Lock', {});
      checkEqual((await session.ok('VerifyPin', { pin: '135792' })).retries, 5, 'VerifyPin of the changed PIN: tries left');
    },
  }),
];
