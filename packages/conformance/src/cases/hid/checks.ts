/** Expectations about single CTAPHID answers, shared by the HID cases. */
import { HidCommand, HidError } from '@hkey/protocol';
import { byteName, fail } from '../../checks.js';
import { type HidMessage, type RawHidLink, describeMessage } from '../../hid/raw-hid-link.js';
import { cidName } from '../../hid/hid-packets.js';
import { ANSWER_MS, SILENCE_MS } from '../support/timing.js';

const ERROR_NAMES = new Map<number, string>(Object.entries(HidError).map(([name, code]) => [code, name]));

export function hidErrorName(code: number): string {
  return `${ERROR_NAMES.get(code) ?? 'unknown error'} (${byteName(code)})`;
}

/** The next answer on `cid` must be ERROR with `code`. */
export async function expectHidError(link: RawHidLink, cid: number, code: number, why: string): Promise<void> {
  const message = await link.readMessage(cid, ANSWER_MS);
  if (message?.cmd !== HidCommand.ERROR || message.payload.length !== 1 || message.payload[0] !== code) {
    fail(`ERROR ${hidErrorName(code)} on ${cidName(cid)}: ${why}`, describeMessage(message));
  }
}

/** The next answer on `cid` must be `cmd`; returns it. */
export async function expectHidAnswer(link: RawHidLink, cid: number, cmd: number, why: string): Promise<HidMessage> {
  const message = await link.readMessage(cid, ANSWER_MS);
  if (message?.cmd !== cmd) fail(`${why} on ${cidName(cid)}`, describeMessage(message));
  return message;
}

/** Nothing may arrive on `cid` for a while: the key drops the packet without an answer. */
export async function expectHidSilence(link: RawHidLink, cid: number, why: string): Promise<void> {
  const message = await link.readMessage(cid, SILENCE_MS);
  if (message !== undefined) fail(`no answer on ${cidName(cid)}: ${why}`, describeMessage(message));
}
