/**
 * Holds back the raw HID reports and FIDO GATT fragments of a CTAP request until the whole request is there, then
 * lets the policy read it: the key sees all of it, or none of it. Everything else passes at once. A request whose
 * framing breaks is dropped (the key never saw its start, so it waits for nothing).
 */
import {
  BLE_INIT_BIT,
  BLE_INIT_HEADER_SIZE,
  BLE_MAX_SEQ,
  BleCommand,
  HID_CONT_HEADER_SIZE,
  HID_INIT_BIT,
  HID_INIT_HEADER_SIZE,
  HID_MAX_MESSAGE_SIZE,
  HID_REPORT_SIZE,
  HidCommand,
  readHidCid,
} from '@hkey/protocol';
import type { CtapRequestPolicy } from './ctap-request-policy.js';

/** The CLA byte that starts every U2F request APDU; no CTAP2 command byte is 0x00 (docs/protocol.md §2.12). */
const U2F_CLA = 0x00;
/** Requests held back at once on one HID link; a client interleaving more loses its oldest. */
const MAX_HELD_CHANNELS = 8;

interface HeldRequest {
  readonly cmd: number;
  readonly length: number;
  readonly fragments: Uint8Array[];
  readonly payload: Uint8Array;
  filled: number;
  nextSeq: number;
}

function hold(cmd: number, length: number, fragment: Uint8Array, headerSize: number): HeldRequest {
  const held: HeldRequest = { cmd, length, fragments: [], payload: new Uint8Array(length), filled: 0, nextSeq: 0 };
  append(held, fragment, headerSize);
  return held;
}

function append(held: HeldRequest, fragment: Uint8Array, headerSize: number): void {
  const data = fragment.subarray(headerSize, headerSize + held.length - held.filled);
  held.payload.set(data, held.filled);
  held.filled += data.length;
  held.fragments.push(fragment);
}

/** CTAPHID: CBOR requests (CTAP2) and MSG requests (U2F), per channel. */
export class HidRequestGate {
  private readonly held = new Map<number, HeldRequest>();

  constructor(private readonly policy: CtapRequestPolicy) {}

  /** The reports to send to the key now; throws CtapRequestRefused for a refused request (none of it is sent). */
  take(report: Uint8Array): Uint8Array[] {
    if (report.length !== HID_REPORT_SIZE) return [report];
    const cid = readHidCid(report);
    const commandOrSeq = report[4] as number;
    if ((commandOrSeq & HID_INIT_BIT) !== 0) {
      this.held.delete(cid);
      const cmd = commandOrSeq & ~HID_INIT_BIT;
      const length = ((report[5] as number) << 8) | (report[6] as number);
      if ((cmd !== HidCommand.CBOR && cmd !== HidCommand.MSG) || length > HID_MAX_MESSAGE_SIZE) return [report];
      if (this.held.size >= MAX_HELD_CHANNELS) this.held.delete(this.held.keys().next().value as number);
      return this.release(cid, hold(cmd, length, report, HID_INIT_HEADER_SIZE));
    }
    const held = this.held.get(cid);
    if (held === undefined) return [report];
    if (commandOrSeq !== held.nextSeq) {
      this.held.delete(cid);
      return [];
    }
    held.nextSeq++;
    append(held, report, HID_CONT_HEADER_SIZE);
    return this.release(cid, held);
  }

  private release(cid: number, held: HeldRequest): Uint8Array[] {
    if (held.filled < held.length) {
      this.held.set(cid, held);
      return [];
    }
    this.held.delete(cid);
    if (held.cmd === HidCommand.CBOR) this.policy.checkCbor(held.payload);
    else this.policy.checkApdu(held.payload);
    return held.fragments;
  }
}

/** The FIDO GATT service's control point: MSG carries a CTAP2 request or a U2F APDU. */
export class GattRequestGate {
  private held: HeldRequest | undefined;

  constructor(private readonly policy: CtapRequestPolicy) {}

  /** The fragments to write to the key now; throws CtapRequestRefused for a refused request (none of it is written). */
  take(fragment: Uint8Array): Uint8Array[] {
    const first = fragment[0] ?? 0;
    if ((first & BLE_INIT_BIT) !== 0) {
      this.held = undefined;
      if (first !== BleCommand.MSG || fragment.length < BLE_INIT_HEADER_SIZE) return [fragment];
      return this.release(hold(first, ((fragment[1] as number) << 8) | (fragment[2] as number), fragment, BLE_INIT_HEADER_SIZE));
    }
    const held = this.held;
    if (held === undefined) return [fragment];
    if (first !== held.nextSeq) {
      this.held = undefined;
      return [];
    }
    held.nextSeq = held.nextSeq === BLE_MAX_SEQ ? 0 : held.nextSeq + 1;
    append(held, fragment, 1);
    return this.release(held);
  }

  private release(held: HeldRequest): Uint8Array[] {
    if (held.filled < held.length) {
      this.held = held;
      return [];
    }
    this.held = undefined;
    if (held.payload[0] === U2F_CLA) this.policy.checkApdu(held.payload);
    else this.policy.checkCbor(held.payload);
    return held.fragments;
  }
}
