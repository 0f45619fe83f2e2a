/** Test helpers shared by the HID and BLE framing tests. */

/** Bytes from hex text; spaces and line breaks are ignored. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Lowercase hex text of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `hex` zero-padded to a 64-byte HID report. */
export function report(text: string): Uint8Array {
  const out = new Uint8Array(64);
  out.set(hex(text));
  return out;
}

/** Deterministic payload bytes 0, 1, 2 … 255, 0, 1 … */
export function counting(length: number, start = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** A HID initialization packet: CID CMD|0x80 BCNT DATA (docs/protocol.md §1.3). */
export function initPacket(cid: number, cmd: number, bcnt: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(64);
  const view = new DataView(out.buffer);
  view.setUint32(0, cid);
  out[4] = cmd | 0x80;
  view.setUint16(5, bcnt);
  out.set(data.subarray(0, 57), 7);
  return out;
}

/** A HID continuation packet: CID SEQ DATA (docs/protocol.md §1.3). */
export function contPacket(cid: number, seq: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(64);
  new DataView(out.buffer).setUint32(0, cid);
  out[4] = seq;
  out.set(data.subarray(0, 59), 5);
  return out;
}

/** `length` pseudo-random bytes from `seed` (xorshift32): cheap to make in property tests. */
export function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed | 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

/** Byte equality; much faster than a deep toEqual on large arrays inside property tests. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
