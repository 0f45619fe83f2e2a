/**
 * U2F (CTAP1) raw messages carried by CTAPHID_MSG (FIDO U2F Raw Message Formats v1.2, CTAP 2.1 §11.2.9.1.1,
 * docs/protocol.md §9.6): ISO 7816-4 command APDUs in short or extended length form, answers ending in a status word.
 */

export const U2fInstruction = { REGISTER: 0x01, AUTHENTICATE: 0x02, VERSION: 0x03 } as const;

/** P1 of U2F_AUTHENTICATE. */
export const U2fAuthenticateMode = { CHECK_ONLY: 0x07, ENFORCE_USER_PRESENCE: 0x03, DONT_ENFORCE_USER_PRESENCE: 0x08 } as const;

/** ISO 7816 status words a U2F authenticator answers with. */
export const U2fStatusWord = {
  NO_ERROR: 0x9000,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  WRONG_DATA: 0x6a80,
  WRONG_LENGTH: 0x6700,
  CLA_NOT_SUPPORTED: 0x6e00,
  INS_NOT_SUPPORTED: 0x6d00,
  /** ISO 7816 "no precise diagnosis": the key failed inside (never for bad input). */
  NO_PRECISE_DIAGNOSIS: 0x6f00,
} as const;

export interface U2fRequest {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
}

/** The reserved first byte of a registration response (U2F Raw Message Formats §4.3). */
export const U2F_REGISTER_ID = 0x05;
export const U2F_VERSION = 'U2F_V2';

/** Reads a command APDU; undefined when its lengths do not add up (answer WRONG_LENGTH). */
export function decodeU2fRequest(apdu: Uint8Array): U2fRequest | undefined {
  if (apdu.length < 4) return undefined;
  const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
  const header = { cla, ins, p1, p2 };
  if (apdu.length === 4) return { ...header, data: new Uint8Array(0) };
  if (apdu[4] === 0 && apdu.length >= 7) {
    // Extended length: 00 Lc1 Lc2 data [Le1 Le2], or 00 Le1 Le2 with no data.
    const lc = ((apdu[5] as number) << 8) | (apdu[6] as number);
    if (apdu.length === 7) return { ...header, data: new Uint8Array(0) };
    const rest = apdu.length - 7 - lc;
    // Some hosts (python-fido2) write Lc = 0000 for no data, then Le.
    if (rest !== 0 && rest !== 2) return undefined;
    return { ...header, data: apdu.slice(7, 7 + lc) };
  }
  // Short length: Lc data [Le], or a lone Le.
  if (apdu.length === 5) return { ...header, data: new Uint8Array(0) };
  const lc = apdu[4] as number;
  const rest = apdu.length - 5 - lc;
  if (lc === 0 || (rest !== 0 && rest !== 1)) return undefined;
  return { ...header, data: apdu.slice(5, 5 + lc) };
}

/** Response data followed by its status word. */
export function encodeU2fResponse(data: Uint8Array, statusWord: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data);
  out[data.length] = statusWord >>> 8;
  out[data.length + 1] = statusWord & 0xff;
  return out;
}

/** An extended-length command APDU, as hosts send them (python-fido2, browsers). */
export function encodeU2fRequest(request: U2fRequest): Uint8Array {
  const { data } = request;
  const out = new Uint8Array(7 + data.length + 2);
  out.set([request.cla, request.ins, request.p1, request.p2, 0, data.length >>> 8, data.length & 0xff]);
  out.set(data, 7);
  return out;
}
