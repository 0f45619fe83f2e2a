/** The key's OTP and PIN-hash primitives, from the protocol package's engine (docs/protocol.md §7). */
import { type OtpEngine, createOtpEngine, hmac } from '@hkey/protocol';
import type { StoredOtp } from './state.js';

/**
 * One engine per stored secret, keyed by the secret's bytes object: state copies share it, and a new secret
 * (AccountUpdate, restore) gets a new engine. The key schedule is then paid once, not per code.
 */
const engines = new WeakMap<Uint8Array, OtpEngine>();

function engineFor(otp: StoredOtp): OtpEngine {
  let engine = engines.get(otp.secret);
  if (engine === undefined || engine.algorithm !== otp.algorithm || engine.digits !== otp.digits || engine.period !== (otp.period ?? 30)) {
    engine = createOtpEngine(otp.secret, { algorithm: otp.algorithm, digits: otp.digits as 6 | 7 | 8, period: otp.period ?? 30 });
    engines.set(otp.secret, engine);
  }
  return engine;
}

export function computeHotp(otp: StoredOtp, counter: bigint): string {
  return engineFor(otp).hotp(counter);
}

export function computeTotp(otp: StoredOtp, unixSeconds: number): string {
  return engineFor(otp).totp(unixSeconds);
}

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac('SHA256', key, message);
}
