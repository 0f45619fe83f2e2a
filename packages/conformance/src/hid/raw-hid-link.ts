/**
 * Raw 64-byte reports to and from a key (docs/protocol.md §1), for the HID framing cases: what was sent, what
 * came back on which channel and when. Every message the key sends is checked against the packet rules of §1.3
 * as it is reassembled; a broken one fails the case on the spot.
 */
import type { HidReportPort } from '@hkey/bridge';
import {
  HID_BROADCAST_CID,
  HID_CONT_DATA_SIZE,
  HID_CONT_HEADER_SIZE,
  HID_INIT_BIT,
  HID_INIT_DATA_SIZE,
  HID_INIT_HEADER_SIZE,
  HID_MAX_MESSAGE_SIZE,
  HID_REPORT_SIZE,
  HidCommand,
  decodeHidInitResponse,
  encodeHidInitRequest,
  encodeHidMessage,
} from '@hkey/protocol';
import { Arrivals } from '../arrivals.js';
import { byteName, fail, sameBytes } from '../checks.js';
import { cidName, readCid } from './hid-packets.js';

export interface TimedReport {
  readonly report: Uint8Array;
  /** performance.now() when the report arrived. */
  readonly at: number;
}

/** One complete message from the key, with the packets that carried it. */
export interface HidMessage {
  readonly cid: number;
  readonly cmd: number;
  readonly payload: Uint8Array;
  readonly reports: readonly TimedReport[];
  /** Arrival of its first packet. */
  readonly at: number;
}

const FRAMING = 'packets framed as §1.3 says';
/** How long INIT may take to be answered. */
const INIT_ANSWER_MS = 2000;

export class RawHidLink {
  private readonly queues = new Map<number, TimedReport[]>();
  private readonly arrivals = new Arrivals();
  private readonly stop: () => void;

  private constructor(private readonly port: HidReportPort) {
    this.stop = port.onReport((report) => {
      const entry = { report: report.slice(), at: performance.now() };
      if (report.length !== HID_REPORT_SIZE) {
        // §1.2: every report is 64 bytes; anything else is kept on a pseudo-channel so the next read reports it.
        this.queue(-1).push(entry);
      } else {
        this.queue(readCid(report)).push(entry);
      }
      this.arrivals.notify();
    });
  }

  static open(port: HidReportPort): RawHidLink {
    return new RawHidLink(port);
  }

  async send(reports: readonly Uint8Array[]): Promise<number> {
    for (const report of reports) await this.port.send(report);
    return performance.now();
  }

  /** Sends one well-formed message (encoded by the protocol package); resolves with the time its last packet left. */
  sendMessage(cid: number, cmd: number, payload: Uint8Array): Promise<number> {
    return this.send(encodeHidMessage(cid, cmd, payload));
  }

  /** INIT on the broadcast CID with a fresh nonce; returns the allocated CID (§1.6). */
  async allocate(): Promise<number> {
    const nonce = globalThis.crypto.getRandomValues(new Uint8Array(8));
    await this.sendMessage(HID_BROADCAST_CID, HidCommand.INIT, encodeHidInitRequest(nonce));
    for (;;) {
      const message = await this.readMessage(HID_BROADCAST_CID, INIT_ANSWER_MS);
      if (message === undefined) fail('an INIT response on the broadcast CID (§1.6)', `no answer within ${INIT_ANSWER_MS} ms`);
      if (message.cmd !== HidCommand.INIT) fail('an INIT response on the broadcast CID (§1.6)', describeMessage(message));
      const init = decodeHidInitResponse(message.payload);
      if (init === undefined) fail('a 17-byte INIT response (§1.6)', `${message.payload.length} bytes`);
      // Another application's INIT response carries its own nonce; keep reading (§1.6).
      if (sameBytes(init.nonce, nonce)) return init.cid;
    }
  }

  /**
   * The next complete message on `cid`, or undefined when none starts within `timeoutMs`. A message that has
   * started must be completed within the same time. Broken framing fails the case.
   */
  async readMessage(cid: number, timeoutMs: number): Promise<HidMessage | undefined> {
    const first = await this.nextReport(cid, timeoutMs);
    if (first === undefined) return undefined;
    const report = first.report;
    if (((report[4] as number) & HID_INIT_BIT) === 0) {
      fail(FRAMING, `a continuation packet (SEQ ${report[4]}) on ${cidName(cid)} with no message in progress`);
    }
    const cmd = (report[4] as number) & ~HID_INIT_BIT;
    const length = ((report[5] as number) << 8) | (report[6] as number);
    if (length > HID_MAX_MESSAGE_SIZE) fail(`${FRAMING}: BCNT at most ${HID_MAX_MESSAGE_SIZE}`, `BCNT ${length}`);
    const payload = new Uint8Array(length);
    const reports = [first];
    let filled = Math.min(length, HID_INIT_DATA_SIZE);
    payload.set(report.subarray(HID_INIT_HEADER_SIZE, HID_INIT_HEADER_SIZE + filled));
    checkPadding(report, HID_INIT_HEADER_SIZE + filled, cid);
    for (let seq = 0; filled < length; seq++) {
      const next = await this.nextReport(cid, timeoutMs);
      if (next === undefined) fail(`${FRAMING}: all ${length} bytes of the message`, `${filled} bytes, then silence for ${timeoutMs} ms`);
      const byte = next.report[4] as number;
      if ((byte & HID_INIT_BIT) !== 0)
        fail(`${FRAMING}: continuation SEQ ${seq}`, `a new initialization packet (${byteName(byte)}) after ${filled} of ${length} bytes`);
      if (byte !== seq) fail(`${FRAMING}: continuation SEQ ${seq}`, `SEQ ${byte}`);
      const size = Math.min(HID_CONT_DATA_SIZE, length - filled);
      payload.set(next.report.subarray(HID_CONT_HEADER_SIZE, HID_CONT_HEADER_SIZE + size), filled);
      checkPadding(next.report, HID_CONT_HEADER_SIZE + size, cid);
      filled += size;
      reports.push(next);
    }
    return { cid, cmd, payload, reports, at: first.at };
  }

  /**
   * The key's answer to a request: the next message on `cid` that is not a KEEPALIVE. KEEPALIVEs are collected
   * into `keepalives` and each restarts the wait (§1.12). Undefined after `idleMs` without any packet.
   */
  async readResponse(cid: number, idleMs: number, keepalives: HidMessage[] = []): Promise<HidMessage | undefined> {
    for (;;) {
      const message = await this.readMessage(cid, idleMs);
      if (message === undefined || message.cmd !== HidCommand.KEEPALIVE) return message;
      if (message.payload.length !== 1) fail('KEEPALIVE with exactly one status byte (§1.7)', `KEEPALIVE with ${message.payload.length} bytes`);
      keepalives.push(message);
    }
  }

  async close(): Promise<void> {
    this.stop();
    await this.port.close?.();
  }

  private queue(cid: number): TimedReport[] {
    let queue = this.queues.get(cid);
    if (queue === undefined) {
      queue = [];
      this.queues.set(cid, queue);
    }
    return queue;
  }

  private nextReport(cid: number, timeoutMs: number): Promise<TimedReport | undefined> {
    return this.arrivals.next(() => {
      const odd = this.queues.get(-1)?.shift();
      if (odd !== undefined) fail('IN reports of exactly 64 bytes (§1.2, §1.3)', `a report of ${odd.report.length} bytes`);
      return this.queues.get(cid)?.shift();
    }, timeoutMs);
  }
}

/** §1.3: bytes after the end of the message in its last packet are zero. */
function checkPadding(report: Uint8Array, from: number, cid: number): void {
  for (let index = from; index < HID_REPORT_SIZE; index++) {
    if (report[index] !== 0)
      fail(`${FRAMING}: zero bytes after the end of the message`, `byte ${index} of a packet on ${cidName(cid)} is ${byteName(report[index] as number)}`);
  }
}

const COMMAND_NAMES = new Map<number, string>(Object.entries(HidCommand).map(([name, code]) => [code, name]));

/** "ERROR 0x06", "PING (58 bytes)": what a case saw, in reports. */
export function describeMessage(message: HidMessage | undefined): string {
  if (message === undefined) return 'no answer';
  const name = COMMAND_NAMES.get(message.cmd) ?? `command ${byteName(message.cmd)}`;
  if (message.cmd === HidCommand.ERROR || message.cmd === HidCommand.KEEPALIVE) {
    return `${name} ${message.payload.length === 1 ? byteName(message.payload[0] as number) : `with ${message.payload.length} bytes`}`;
  }
  return `${name} (${message.payload.length} bytes)`;
}
