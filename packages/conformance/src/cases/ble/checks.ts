/** Expectations about single BLE answers and connections at a given MTU, shared by the BLE cases. */
import { BleCommand, BleError, bleFragmentCount } from '@hkey/protocol';
import { byteName, check, checkEqual, fail, firstDifference, patternBytes, sameBytes } from '../../checks.js';
import { type BleMessage, type RawBleLink, describeBleMessage } from '../../ble/raw-ble-link.js';
import type { CaseContext } from '../../runner/case-context.js';
import { CaseSkip } from '../../failures.js';
import { ANSWER_MS, SILENCE_MS } from '../support/timing.js';

const ERROR_NAMES = new Map<number, string>(Object.entries(BleError).map(([name, code]) => [code, name]));

export function bleErrorName(code: number): string {
  return `${ERROR_NAMES.get(code) ?? 'unknown error'} (${byteName(code)})`;
}

/** A new connection whose ATT_MTU is `mtu`; skipped when the link settles on another (a key may support less than 517, §2.3). */
export async function bleAtMtu(ctx: CaseContext, mtu: number): Promise<RawBleLink> {
  const raw = await ctx.ble(mtu);
  if (raw.mtu !== mtu) throw new CaseSkip(`the link settled on ATT_MTU ${raw.mtu}, not ${mtu}`);
  return raw;
}

export async function expectBleError(raw: RawBleLink, code: number, why: string): Promise<void> {
  const message = await raw.readMessage(ANSWER_MS);
  if (message?.cmd !== BleCommand.ERROR || message.payload.length !== 1 || message.payload[0] !== code) {
    fail(`ERROR ${bleErrorName(code)}: ${why}`, describeBleMessage(message));
  }
}

export async function expectBleAnswer(raw: RawBleLink, cmd: number, why: string): Promise<BleMessage> {
  const message = await raw.readResponse(ANSWER_MS);
  if (message?.cmd !== cmd) fail(why, describeBleMessage(message));
  return message;
}

export async function expectBleSilence(raw: RawBleLink, why: string): Promise<void> {
  const message = await raw.readMessage(SILENCE_MS);
  if (message !== undefined) fail(`no answer: ${why}`, describeBleMessage(message));
}

/** PING of `size` bytes, echoed in exactly the fragments §2.4 prescribes for the connection's fragment size. */
export async function checkBlePing(raw: RawBleLink, size: number): Promise<void> {
  const data = patternBytes(size);
  await raw.sendMessage(BleCommand.PING, data);
  const echo = await expectBleAnswer(raw, BleCommand.PING, `PING echoing ${size} bytes`);
  checkEqual(echo.payload.length, size, `echoed length of a ${size}-byte PING`);
  check(sameBytes(echo.payload, data), `the ${size} bytes echoed`, () => `a difference at byte ${firstDifference(echo.payload, data)}`);
  checkEqual(echo.fragments.length, bleFragmentCount(size, raw.fragmentSize), `fragments echoing ${size} bytes at fragment size ${raw.fragmentSize}`);
}
