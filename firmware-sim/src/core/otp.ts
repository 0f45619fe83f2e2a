/** The key's OTP and PIN-hash primitives, from the protocol package's engine (docs/protocol.md §7). */
import { hmac, hotp, totp } from '@hkey/protocol';
import type { StoredOtp } from './state.js';

export function computeHotp(otp: StoredOtp, counter: bigint): string {
  return hotp(otp.secret, counter, { algorithm: otp.algorithm, digits: otp.digits });
}

export function computeTotp(otp: StoredOtp, unixSeconds: number): string {
  return totp(otp.secret, unixSeconds, { algorithm: otp.algorithm, digits: otp.digits, period: otp.period ?? 30 });
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac('SHA256', key, message);
}
