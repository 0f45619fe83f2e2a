import { otpError } from './otp-error-code.js';

/** An HOTP moving factor: a number up to 2^53-1, or a bigint up to 2^64-1 (docs/protocol.md §7.1). */
export type OtpCounter = number | bigint;

export const MAX_OTP_COUNTER = 0xffff_ffff_ffff_ffffn;

function counterRange(): never {
  throw otpError('OTP_COUNTER_RANGE', 'The HOTP counter must be an integer from 0 to 2^64-1 (a bigint above 2^53-1).');
}

/** Writes the counter as the 8-byte big-endian message of RFC 4226 §5.2, never truncating it to 32 bits. */
export function writeCounter(view: DataView, counter: OtpCounter): void {
  if (typeof counter === 'number') {
    if (!Number.isSafeInteger(counter) || counter < 0) counterRange();
    view.setUint32(0, Math.floor(counter / 0x1_0000_0000));
    view.setUint32(4, counter >>> 0);
  } else if (typeof counter === 'bigint') {
    if (counter < 0n || counter > MAX_OTP_COUNTER) counterRange();
    view.setBigUint64(0, counter);
  } else {
    counterRange();
  }
}
