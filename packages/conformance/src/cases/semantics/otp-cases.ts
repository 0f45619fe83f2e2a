/** The key computes OTP codes as RFC 4226 and RFC 6238 say, with 64-bit counters and any period (§7, §4.13). */
import { AccountFlag, MAX_OTP_COUNTER, MAX_TOTP_TIME, type OtpAlgorithm } from '@hkey/protocol';
import { check, fail } from '../../checks.js';
import { defineCase } from '../../case.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { createAccount } from '../support/accounts.js';
import { restoreClockAfterCase } from '../support/clock.js';
import { type OtpCredential, RFC_SHA1_SECRET, RFC_TOTP_SECRETS, RFC_TOTP_TIMES, checkTotpAt, expectedHotp } from '../support/otp-expectations.js';

/** GetOtp must answer the code for `counter` and say it used that counter (§4.13, §7.1). */
async function expectHotp(session: HkpSession, id: number, credential: OtpCredential, counter: bigint, label: string): Promise<void> {
  const result = await session.ok('GetOtp', { id });
  const code = expectedHotp(credential, counter);
  check(
    result.code === code && BigInt(result.counter ?? -1) === counter,
    `${label}: code ${code} with counter ${counter}`,
    () => `code ${result.code} with counter ${String(result.counter)}`,
  );
}

const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));

export const otpCases = [
  defineCase({
    id: 'SEM-03',
    group: 'semantics',
    title: 'HOTP with the RFC 4226 Appendix D secret gives the codes of counters 0 to 9, each counter used once',
    spec: '§7.1, §4.13, RFC 4226',
    needs: ['unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      const credential: OtpCredential = { secret: RFC_SHA1_SECRET, kind: 'HOTP' };
      const { id } = await createAccount(ctx, session, { name: ctx.name('hotp-rfc4226'), otp: credential });
      for (let counter = 0n; counter < 10n; counter++) await expectHotp(session, id, credential, counter, `RFC 4226 counter ${counter}`);
      const account = await session.ok('AccountGet', { id });
      check(account.otp?.kind === 'HOTP' && account.otp.counter === 10, 'AccountGet reporting counter 10, the next one', () => JSON.stringify(account.otp));
    },
  }),
  defineCase({
    id: 'SEM-04',
    group: 'semantics',
    title: 'HOTP counters are 64-bit: 2^32+1 uses the upper half, 2^64-2 is the last code, then OTP_COUNTER_EXHAUSTED',
    spec: '§7.1, §4.13',
    needs: ['unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      const wide: OtpCredential = { secret: random(32), kind: 'HOTP', algorithm: 'SHA256', digits: 8, counter: 2 ** 32 + 1 };
      const wideAccount = await createAccount(ctx, session, { name: ctx.name('hotp-2^32'), otp: wide });
      await expectHotp(session, wideAccount.id, wide, 2n ** 32n + 1n, 'counter 2^32+1 (SHA256, 8 digits)');
      const last: OtpCredential = { secret: random(64), kind: 'HOTP', algorithm: 'SHA512', digits: 7, counter: MAX_OTP_COUNTER - 1n };
      const lastAccount = await createAccount(ctx, session, { name: ctx.name('hotp-2^64'), otp: last });
      await expectHotp(session, lastAccount.id, last, MAX_OTP_COUNTER - 1n, 'counter 2^64-2 (SHA512, 7 digits)');
      await session.expectStatus('GetOtp', { id: lastAccount.id }, 'OTP_COUNTER_EXHAUSTED');
      await session.expectStatus('GetOtp', { id: lastAccount.id }, 'OTP_COUNTER_EXHAUSTED');
      const account = await session.ok('AccountGet', { id: lastAccount.id });
      check(account.otp?.kind === 'HOTP' && BigInt(account.otp.counter ?? 0) === MAX_OTP_COUNTER, 'the counter stays at 2^64-1, never wrapping to 0', () =>
        JSON.stringify(account.otp, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    },
  }),
  defineCase({
    id: 'SEM-05',
    group: 'semantics',
    title: 'TOTP on the clock set by SetTime gives the RFC 6238 Appendix B codes for SHA1, SHA256 and SHA512',
    spec: '§7.2, §4.3, RFC 6238',
    needs: ['unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      await restoreClockAfterCase(ctx, session);
      const accounts: [OtpAlgorithm, number, OtpCredential][] = [];
      for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
        const credential: OtpCredential = { secret: RFC_TOTP_SECRETS[algorithm], kind: 'TOTP', algorithm, digits: 8 };
        accounts.push([algorithm, (await createAccount(ctx, session, { name: ctx.name(`totp-${algorithm}`), otp: credential })).id, credential]);
      }
      for (const time of RFC_TOTP_TIMES) {
        for (const [algorithm, id, credential] of accounts) await checkTotpAt(session, id, credential, time, `RFC 6238 ${algorithm}`);
      }
    },
  }),
  defineCase({
    id: 'SEM-06',
    group: 'semantics',
    title: 'TOTP uses the stored period (1, 60 and 3600 s), past 2038, past 2^32 steps and up to the end of the time range',
    spec: '§7.2, §4.13',
    needs: ['unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      await restoreClockAfterCase(ctx, session);
      const checks: [OtpCredential, readonly number[]][] = [
        [{ secret: random(20), kind: 'TOTP', period: 60 }, [59, 60, 119, 1_700_000_039]],
        [{ secret: random(64), kind: 'TOTP', algorithm: 'SHA512', digits: 7, period: 1 }, [2 ** 31, 5_000_000_000]],
        [{ secret: random(32), kind: 'TOTP', algorithm: 'SHA256', digits: 8, period: 3600 }, [3599, 3600, MAX_TOTP_TIME - 1]],
      ];
      for (const [credential, times] of checks) {
        const { id } = await createAccount(ctx, session, { name: ctx.name(`totp-period-${credential.period}`), otp: credential });
        for (const time of times) await checkTotpAt(session, id, credential, time, `period ${credential.period} s`);
      }
    },
  }),
  defineCase({
    id: 'SEM-07',
    group: 'semantics',
    title: 'GetOtp waits for the button only for accounts flagged requires-touch; NO_OTP, NO_PASSWORD and ACCOUNT_NOT_FOUND come first',
    spec: '§4.13, §4.14, §6.3',
    needs: ['presence', 'unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      const otp: OtpCredential = { secret: random(20), kind: 'TOTP' };
      const touch = await createAccount(ctx, session, { name: ctx.name('touch'), flags: AccountFlag.REQUIRES_TOUCH, otp });
      const plain = await createAccount(ctx, session, { name: ctx.name('no-touch'), otp });
      const bare = await createAccount(ctx, session, { name: ctx.name('bare') });
      // The default call options fail the case if the key waits for the button.
      await session.ok('GetOtp', { id: plain.id });
      const touched = await session.call('GetOtp', { id: touch.id }, { presence: { kind: 'press' } });
      if (touched.status !== 'OK') fail('GetOtp OK after a press', touched.status);
      check(touched.askedForPresence, 'GetOtp waiting for the button for an account flagged requires-touch (0x04)', () => 'it answered without waiting');
      await session.expectStatus('GetOtp', { id: bare.id }, 'NO_OTP');
      await session.expectStatus('GetPassword', { id: bare.id }, 'NO_PASSWORD');
      await session.ok('AccountDelete', { id: bare.id });
      await session.expectStatus('GetOtp', { id: bare.id }, 'ACCOUNT_NOT_FOUND');
      await session.expectStatus('GetPassword', { id: bare.id }, 'ACCOUNT_NOT_FOUND');
    },
  }),
];
