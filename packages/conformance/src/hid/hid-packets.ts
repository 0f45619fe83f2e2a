/**
 * Hand-made CTAPHID packets (docs/protocol.md §1.3) for requests the protocol package's encoder refuses on
 * purpose: CID 0, non-INIT commands on the broadcast CID, a BCNT that lies, a wrong SEQ.
 */
import { HID_CONT_HEADER_SIZE, HID_INIT_BIT, HID_INIT_HEADER_SIZE, HID_REPORT_SIZE } from '@hkey/protocol';

function withCid(cid: number): Uint8Array {
  const report = new Uint8Array(HID_REPORT_SIZE);
  new DataView(report.buffer).setUint32(0, cid >>> 0);
  return report;
}

/** An initialization packet declaring `bcnt` bytes and carrying (the start of) `data`. */
export function initPacket(cid: number, cmd: number, bcnt: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const report = withCid(cid);
  report[4] = HID_INIT_BIT | cmd;
  report[5] = (bcnt >>> 8) & 0xff;
  report[6] = bcnt & 0xff;
  report.set(data.subarray(0, HID_REPORT_SIZE - HID_INIT_HEADER_SIZE), HID_INIT_HEADER_SIZE);
  return report;
}

/** A continuation packet with sequence number `seq`. */
export function continuationPacket(cid: number, seq: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const report = withCid(cid);
  report[4] = seq & 0x7f;
  report.set(data.subarray(0, HID_REPORT_SIZE - HID_CONT_HEADER_SIZE), HID_CONT_HEADER_SIZE);
  return report;
}

export function readCid(report: Uint8Array): number {
  return new DataView(report.buffer, report.byteOffset, report.byteLength).getUint32(0);
}

export function cidName(cid: number): string {
  return `0x${cid.toString(16).padStart(8, '0')}`;
}
