/** Changes survive a restart; the HOTP counter advances before its code leaves the key (§5.5). */
import { check } from '../../checks.js';
import { defineCase } from '../../case.js';
import { createAccount } from '../support/accounts.js';
import { type OtpCredential, RFC_SHA1_SECRET, expectedHotp } from '../support/otp-expectations.js';
import { restartAndReconnect } from '../support/restart.js';
import { restoreClockAfterCase } from '../support/clock.js';

export const durabilityCases = [
  defineCase({
    id: 'SEM-09',
    group: 'semantics',
    title: 'The HOTP counter is durable: after a restart the next code uses the next counter, never one already issued',
    spec: '§5.5, §7.1, §4.13',
    needs: ['restart', 'unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      const credential: OtpCredential = { secret: RFC_SHA1_SECRET, kind: 'HOTP', counter: 41 };
      const { id } = await createAccount(ctx, session, { name: ctx.name('hotp-durable'), otp: credential });
      const before = await session.ok('GetOtp', { id });
      check(before.counter === 41, 'GetOtp using the stored counter 41', () => `counter ${String(before.counter)}`);
      const after = await (await restartAndReconnect(ctx)).ok('GetOtp', { id });
      check(after.counter === 42 && after.code === expectedHotp(credential, 42), `after the restart: counter 42, code ${expectedHotp(credential, 42)}`, () =>
        after.counter === 41
          ? `counter 41 again: code ${after.code} was issued twice (the advanced counter was not durable)`
          : `counter ${String(after.counter)}, code ${after.code}`,
      );
    },
  }),
  defineCase({
    id: 'SEM-10',
    group: 'semantics',
    title: 'The clock set by SetTime runs on in real time and survives a restart',
    spec: '§4.3, §5.5, §7.2',
    needs: ['restart', 'unlocked'],
    async run(ctx) {
      const session = await ctx.session();
      await restoreClockAfterCase(ctx, session);
      const time = 2_000_000_000;
      await session.ok('SetTime', { time });
      const setAt = performance.now();
      // A jump of the key's clock (the simulator) can be long enough to tell a running clock from a stopped one.
      const runMs = ctx.virtualTime ? 60_000 : 1500;
      const jumpedMs = ctx.virtualTime ? runMs : 0;
      // Seconds are whole on the wire: allow one for the reading's truncation and one for the round trips.
      const expectNear = (seen: number, what: string): void => {
        const expected = time + (performance.now() - setAt + jumpedMs) / 1000;
        check(Math.abs(seen - expected) <= 2, `${what}: about ${Math.round(expected)}`, () => `time ${seen}`);
      };
      await ctx.passTime(runMs);
      expectNear(Number((await session.ok('GetInfo', {})).time), `GetInfo time ${runMs / 1000} s after SetTime`);
      const restarted = await restartAndReconnect(ctx);
      expectNear(Number((await restarted.ok('GetInfo', {})).time), 'GetInfo time after a restart (SetTime answered OK only once durable)');
    },
  }),
];
