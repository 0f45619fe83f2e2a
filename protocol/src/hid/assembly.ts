import { HID_CONT_DATA_SIZE, HID_CONT_HEADER_SIZE, HID_INIT_DATA_SIZE, HID_INIT_HEADER_SIZE } from './constants.js';

const NO_CHANNEL = -1;
const EMPTY = new Uint8Array(0);

/** Reads the big-endian CID of a report (docs/protocol.md §1.3); the caller guarantees 64 bytes. */
export function readHidCid(report: Uint8Array): number {
  return (((report[0] as number) << 24) | ((report[1] as number) << 16) | ((report[2] as number) << 8) | (report[3] as number)) >>> 0;
}

/**
 * One multi-packet message being put together (docs/protocol.md §1.3). The payload buffer is allocated
 * once at its final size, so reassembly costs one copy per byte.
 */
export class HidAssembly {
  /** The channel being assembled, or -1 when idle. */
  cid = NO_CHANNEL;
  cmd = 0;
  private payload: Uint8Array = EMPTY;
  private filled = 0;
  private nextSeq = 0;

  get active(): boolean {
    return this.cid !== NO_CHANNEL;
  }

  get complete(): boolean {
    return this.filled === this.payload.length;
  }

  /** Starts from an initialization packet whose BCNT (`length`) is above 57 and at most 7609. */
  start(cid: number, cmd: number, length: number, report: Uint8Array): void {
    this.cid = cid;
    this.cmd = cmd;
    this.payload = new Uint8Array(length);
    this.payload.set(view(report, HID_INIT_HEADER_SIZE, HID_INIT_DATA_SIZE));
    this.filled = HID_INIT_DATA_SIZE;
    this.nextSeq = 0;
  }

  /** Adds a continuation packet of this channel; false (nothing added) when its SEQ is not the next one. */
  append(report: Uint8Array): boolean {
    if (report[4] !== this.nextSeq) return false;
    const take = Math.min(this.payload.length - this.filled, HID_CONT_DATA_SIZE);
    this.payload.set(view(report, HID_CONT_HEADER_SIZE, take), this.filled);
    this.filled += take;
    this.nextSeq++;
    return true;
  }

  /** Hands over the finished payload and goes idle. */
  take(): Uint8Array {
    const payload = this.payload;
    this.clear();
    return payload;
  }

  clear(): void {
    this.cid = NO_CHANNEL;
    this.payload = EMPTY;
    this.filled = 0;
  }
}

/** A view constructor is cheaper than subarray() in V8, and this runs once per packet. */
function view(report: Uint8Array, offset: number, length: number): Uint8Array {
  return new Uint8Array(report.buffer, report.byteOffset + offset, length);
}
