import { generateSecret as generateBase32Secret } from 'otplib';
import { Limits } from '../messages/fields.js';
import { decodeBase32 } from '../secret/decode-base32.js';
import { otpError } from './otp-error-code.js';

/** RFC 4226 §4 recommends 160 bits. */
export const DEFAULT_SECRET_BYTES = 20;

/** A fresh random OTP secret from otplib (crypto.getRandomValues underneath); host side, e.g. for provisioning. */
export function generateSecret(byteLength = DEFAULT_SECRET_BYTES): Uint8Array {
  if (!Number.isInteger(byteLength) || byteLength < Limits.secretMinBytes || byteLength > Limits.secretMaxBytes) {
    throw otpError('OTP_SECRET_LENGTH', `An OTP secret must be ${Limits.secretMinBytes} to ${Limits.secretMaxBytes} bytes.`);
  }
  // otplib hands out base32 only; decoding it is exact and keeps one random source for the project.
  return decodeBase32(generateBase32Secret({ length: byteLength }));
}
