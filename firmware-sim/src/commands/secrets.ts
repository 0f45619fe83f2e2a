import { AccountFlag, MAX_OTP_COUNTER, type RequestOf, type ResponseOf } from '@hkey/protocol';
import { DeviceStatus } from '../core/device-status.js';
import { computeHotp, computeTotp } from '../core/otp.js';
import { toWire } from './account-view.js';
import type { CommandContext } from './context.js';

function findAccount(ctx: CommandContext, id: number) {
  const account = ctx.state.accounts.find((candidate) => candidate.id === id);
  if (account === undefined) throw new DeviceStatus('ACCOUNT_NOT_FOUND');
  return account;
}

/** docs/protocol.md §4.13: HOTP advances and persists the counter before the code leaves the key (§5.5). */
export async function getOtp(ctx: CommandContext, params: RequestOf<'GetOtp'>): Promise<ResponseOf<'GetOtp'>> {
  const account = findAccount(ctx, params.id);
  const otp = account.otp;
  if (otp === undefined) throw new DeviceStatus('NO_OTP');
  if (account.flags & AccountFlag.REQUIRES_TOUCH) await ctx.requirePresence('press', `GetOtp ${account.name}`);
  if (otp.kind === 'TOTP') {
    const period = otp.period ?? 30;
    const now = ctx.deviceTimeSeconds();
    const step = Math.floor(now / period);
    return { code: computeTotp(otp, now), validUntil: (step + 1) * period };
  }
  const counter = otp.counter ?? 0n;
  // docs/protocol.md §7.1: the counter never wraps; at 2^64-1 there is no next value to persist.
  if (counter >= MAX_OTP_COUNTER) throw new DeviceStatus('OTP_COUNTER_EXHAUSTED');
  const advanced = { ...account, otp: { ...otp, counter: counter + 1n } };
  await ctx.commit({ ...ctx.state, accounts: ctx.state.accounts.map((a) => (a.id === account.id ? advanced : a)) });
  return { code: computeHotp(otp, counter), counter: toWire(counter) };
}

/** docs/protocol.md §4.14 */
export async function getPassword(ctx: CommandContext, params: RequestOf<'GetPassword'>): Promise<ResponseOf<'GetPassword'>> {
  const account = findAccount(ctx, params.id);
  if (account.password === undefined) throw new DeviceStatus('NO_PASSWORD');
  await ctx.requirePresence('press', `GetPassword ${account.name}`);
  return { password: account.password };
}
