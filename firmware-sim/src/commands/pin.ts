import { Limits, PIN_POLICY, type RequestOf, type ResponseOf } from '@hkey/protocol';
import { DeviceStatus } from '../core/device-status.js';
import type { StoredPin } from '../core/state.js';
import type { CommandContext } from './context.js';

const utf8 = new TextEncoder();

function hashPin(ctx: CommandContext, salt: Uint8Array, pin: string): Uint8Array {
  return ctx.hmacSha256(salt, utf8.encode(pin));
}

/** A new PIN meets §6.1 and, on a managed key, the issuer's policy (§10.4.2), whose tries replace the host's choice. */
function newPinRecord(ctx: CommandContext, pin: string, maxRetries: number): StoredPin {
  const policy = ctx.state.provisioning?.pinPolicy;
  if (!PIN_POLICY.test(pin) || pin.length < (policy?.minLength ?? 0)) throw new DeviceStatus('PIN_POLICY_VIOLATION');
  const salt = ctx.randomBytes(16);
  const tries = policy?.maxTries ?? maxRetries;
  return { salt, hash: hashPin(ctx, salt, pin), maxRetries: tries, retries: tries, setAt: ctx.deviceTimeSeconds() };
}

const DAY_SECONDS = 86_400;

/** The issuer's policy lets a PIN expire (§10.4.2); a key without a policy, or a PIN set before one, never expires. */
function pinExpired(ctx: CommandContext, pin: StoredPin): boolean {
  const expiryDays = ctx.state.provisioning?.pinPolicy?.expiryDays ?? 0;
  return expiryDays > 0 && pin.setAt !== undefined && ctx.deviceTimeSeconds() - pin.setAt >= expiryDays * DAY_SECONDS;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

/**
 * The retry rule of docs/protocol.md §6.1: the decremented counter is durable before the comparison,
 * so a power cut during the check never refunds an attempt.
 */
async function checkPin(ctx: CommandContext, candidate: string): Promise<StoredPin> {
  const pin = ctx.state.pin;
  if (pin === undefined) throw new DeviceStatus('PIN_NOT_SET');
  if (pin.retries === 0) throw new DeviceStatus('PIN_BLOCKED');
  const charged = { ...pin, retries: pin.retries - 1 };
  await ctx.commit({ ...ctx.state, pin: charged });
  if (!constantTimeEqual(hashPin(ctx, pin.salt, candidate), pin.hash)) {
    throw new DeviceStatus('PIN_INVALID', { retries: charged.retries });
  }
  return { ...pin, retries: pin.maxRetries };
}

/** docs/protocol.md §4.4 */
export async function setPin(ctx: CommandContext, params: RequestOf<'SetPin'>): Promise<ResponseOf<'SetPin'>> {
  if (ctx.state.pin !== undefined) throw new DeviceStatus('PIN_ALREADY_SET');
  const record = newPinRecord(ctx, params.pin, params.maxRetries ?? Limits.pinRetriesDefault);
  await ctx.requirePresence('press', 'SetPin');
  await ctx.commit({ ...ctx.state, pin: record });
  ctx.lockOtherSessions();
  ctx.session.unlocked = true;
  return {};
}

/** docs/protocol.md §4.5 */
export async function changePin(ctx: CommandContext, params: RequestOf<'ChangePin'>): Promise<ResponseOf<'ChangePin'>> {
  const verified = await checkPin(ctx, params.currentPin);
  if (!PIN_POLICY.test(params.newPin)) {
    await ctx.commit({ ...ctx.state, pin: verified });
    throw new DeviceStatus('PIN_POLICY_VIOLATION');
  }
  await ctx.commit({ ...ctx.state, pin: newPinRecord(ctx, params.newPin, verified.maxRetries) });
  ctx.session.unlocked = true;
  return {};
}

/** docs/protocol.md §4.6 */
export async function verifyPin(ctx: CommandContext, params: RequestOf<'VerifyPin'>): Promise<ResponseOf<'VerifyPin'>> {
  const verified = await checkPin(ctx, params.pin);
  await ctx.commit({ ...ctx.state, pin: verified });
  // The right PIN, but too old: the attempt is refunded and the session stays locked until ChangePin.
  if (pinExpired(ctx, verified)) throw new DeviceStatus('PIN_EXPIRED');
  ctx.session.unlocked = true;
  return { retries: verified.retries };
}

/** docs/protocol.md §4.7 */
export function lock(ctx: CommandContext): ResponseOf<'Lock'> {
  ctx.session.unlocked = false;
  return {};
}
