/**
 * The CTAP link on one CTAPHID channel of the raw HID link (CTAP 2.1 §11.2.9.1): CTAP2 requests in CTAPHID_CBOR
 * (0x10), U2F APDUs in CTAPHID_MSG (0x03), each answered on its own command.
 */
import { HidCommand } from '@hkey/protocol';
import { fail } from '../../checks.js';
import { type RawHidLink, describeMessage } from '../../hid/raw-hid-link.js';
import type { CtapLink, CtapLinkEvent, CtapRequestKind } from './ctap-link.js';

const COMMAND: Readonly<Record<CtapRequestKind, number>> = { ctap2: HidCommand.CBOR, u2f: HidCommand.MSG };
const EXPECTED: Readonly<Record<CtapRequestKind, string>> = {
  ctap2: 'the answer on CTAPHID_CBOR (0x10) (CTAP 2.1 §11.2.9.1.2)',
  u2f: 'the answer on CTAPHID_MSG (0x03) (CTAP 2.1 §11.2.9.1.1)',
};

export class CtaphidLink implements CtapLink {
  readonly u2fNeedsClaZero = false;
  readonly name = 'CTAPHID';

  constructor(
    readonly hid: RawHidLink,
    readonly cid: number,
  ) {}

  /** A new channel (CTAP 2.1 §11.2.9.1.3) on `hid`. */
  static async open(hid: RawHidLink): Promise<CtaphidLink> {
    return new CtaphidLink(hid, await hid.allocate());
  }

  send(kind: CtapRequestKind, request: Uint8Array): Promise<number> {
    return this.hid.sendMessage(this.cid, COMMAND[kind], request);
  }

  async next(kind: CtapRequestKind, timeoutMs: number): Promise<CtapLinkEvent | undefined> {
    const message = await this.hid.readMessage(this.cid, timeoutMs);
    if (message === undefined) return undefined;
    if (message.cmd === HidCommand.KEEPALIVE) return { kind: 'keepalive', status: message.payload[0] as number };
    if (message.cmd !== COMMAND[kind]) fail(EXPECTED[kind], describeMessage(message));
    return { kind: 'answer', payload: message.payload, at: message.at };
  }

  cancel(): Promise<number> {
    return this.hid.sendMessage(this.cid, HidCommand.CANCEL, new Uint8Array(0));
  }
}
