import { Capability, Limits, PinState, type ResponseOf } from '@hkey/protocol';
import { storageUsed } from '../core/storage-accounting.js';
import type { CommandContext } from './context.js';

const ALL_CAPABILITIES = Capability.TOTP | Capability.HOTP | Capability.PASSWORDS | Capability.HID | Capability.BLE | Capability.PIN;

/** docs/protocol.md §4.2 */
export function getInfo(ctx: CommandContext): ResponseOf<'GetInfo'> {
  const { state } = ctx;
  const pin = state.pin;
  const pinState: keyof typeof PinState = pin === undefined ? 'NOT_SET' : pin.retries === 0 ? 'BLOCKED' : 'SET';
  return {
    serial: state.identity.serial,
    model: state.identity.model,
    firmware: state.identity.firmware,
    protocolVersion: 1,
    capabilities: ALL_CAPABILITIES,
    maxMessageBytes: Limits.maxMessageBytes,
    storageTotal: state.storageTotal,
    storageFree: Math.max(0, state.storageTotal - storageUsed(state)),
    time: ctx.deviceTimeSeconds(),
    battery: state.battery,
    locked: pin !== undefined && !ctx.session.unlocked,
    pinState,
    pinRetries: pin?.retries ?? Limits.pinRetriesDefault,
    pinMaxRetries: pin?.maxRetries ?? Limits.pinRetriesDefault,
    accountCount: state.accounts.length,
    lifecycle: state.provisioning?.lifecycle ?? 'READY',
  };
}

/** docs/protocol.md §4.3 */
export async function setTime(ctx: CommandContext, params: { time: number | bigint }): Promise<ResponseOf<'SetTime'>> {
  const seconds = Number(params.time);
  await ctx.commit(ctx.setDeviceTime(seconds));
  return {};
}
