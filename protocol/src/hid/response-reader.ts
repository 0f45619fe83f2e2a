import { HidAssembly, readHidCid } from './assembly.js';
import {
  HID_INIT_BIT,
  HID_INIT_DATA_SIZE,
  HID_INIT_HEADER_SIZE,
  HID_MAX_MESSAGE_SIZE,
  HID_REPORT_SIZE,
  HidCommand,
  HidError,
  type HidErrorCode,
} from './constants.js';
import { decodeHidErrorPayload, decodeHidKeepalivePayload } from './one-byte-payloads.js';

/**
 * What the host learns from the device on its channel (docs/protocol.md §1.13):
 * - `message`: a complete response (HKP_MSG, PING, INIT, WINK, LOCK …);
 * - `keepalive`: the device is still working (status 1) or waits for the button (status 2); keep waiting;
 * - `error`: the device sent CTAPHID ERROR with this code; the transaction is over;
 * - `framing-error`: the device's reports broke the framing (INVALID_SEQ: wrong SEQ or a new init packet
 *   mid-response; INVALID_LEN: BCNT over 7609, or a KEEPALIVE/ERROR that is not one byte); the partial
 *   response is dropped and the host should resynchronise with INIT.
 */
export type HidResponseEvent =
  | { readonly type: 'message'; readonly cmd: number; readonly payload: Uint8Array }
  | { readonly type: 'keepalive'; readonly status: number }
  | { readonly type: 'error'; readonly code: number }
  | { readonly type: 'framing-error'; readonly code: HidErrorCode };

/**
 * Host-side reassembler of the device's reports for one channel. Reports of other channels, reports
 * that are not 64 bytes and spurious continuation packets are ignored; it never throws. Timing is the
 * caller's: a host gives up after 30 s without any report on its channel (§1.12).
 */
export class HidResponseReader {
  private readonly assembly = new HidAssembly();

  constructor(readonly cid: number) {}

  /** True while a multi-packet response is partly received. */
  get receiving(): boolean {
    return this.assembly.active;
  }

  /** Drops any partial response, e.g. before resynchronising with INIT. */
  reset(): void {
    this.assembly.clear();
  }

  feed(report: Uint8Array): HidResponseEvent | undefined {
    if (report.length !== HID_REPORT_SIZE || readHidCid(report) !== this.cid) return undefined;
    const commandOrSeq = report[4] as number;
    if ((commandOrSeq & HID_INIT_BIT) === 0) {
      if (!this.assembly.active) return undefined;
      if (!this.assembly.append(report)) return this.fail(HidError.INVALID_SEQ);
      if (!this.assembly.complete) return undefined;
      const cmd = this.assembly.cmd;
      return classify(cmd, this.assembly.take());
    }
    // A device sends one response per transaction, so a new init packet mid-response means it lost its place.
    if (this.assembly.active) return this.fail(HidError.INVALID_SEQ);
    const cmd = commandOrSeq & ~HID_INIT_BIT;
    const length = ((report[5] as number) << 8) | (report[6] as number);
    if (length > HID_MAX_MESSAGE_SIZE) return { type: 'framing-error', code: HidError.INVALID_LEN };
    if (length <= HID_INIT_DATA_SIZE) {
      return classify(cmd, report.slice(HID_INIT_HEADER_SIZE, HID_INIT_HEADER_SIZE + length));
    }
    this.assembly.start(this.cid, cmd, length, report);
    return undefined;
  }

  private fail(code: HidErrorCode): HidResponseEvent {
    this.assembly.clear();
    return { type: 'framing-error', code };
  }
}

function classify(cmd: number, payload: Uint8Array): HidResponseEvent {
  if (cmd === HidCommand.KEEPALIVE) {
    const status = decodeHidKeepalivePayload(payload);
    return status === undefined ? { type: 'framing-error', code: HidError.INVALID_LEN } : { type: 'keepalive', status };
  }
  if (cmd === HidCommand.ERROR) {
    const code = decodeHidErrorPayload(payload);
    return code === undefined ? { type: 'framing-error', code: HidError.INVALID_LEN } : { type: 'error', code };
  }
  return { type: 'message', cmd, payload };
}
