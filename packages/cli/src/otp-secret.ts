import { Limits, OtpError } from '@hkey/protocol';

/** RFC 4226 §4 recommends 160 bits. */
export const DEFAULT_SECRET_BYTES = 20;

/** A fresh random OTP secret of `byteLength` bytes (HKP/1 allows 10..64), straight from the system's CSPRNG. */
export function generateSecret(byteLength = DEFAULT_SECRET_BYTES): Uint8Array {
  if (!Number.isInteger(byteLength) || byteLength < Limits.secretMinBytes || byteLength > Limits.secretMaxBytes) {
    throw new OtpError('OTP_SECRET_LENGTH', `An OTP secret must be ${Limits.secretMinBytes} to ${Limits.secretMaxBytes} bytes.`);
  }
  return crypto.getRandomValues(new Uint8Array(byteLength));
}
