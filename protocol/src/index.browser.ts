/** @hkey/protocol for browsers: no node: imports; HMAC from @noble/hashes. */
import { createOtpApi, nobleHmacBackend } from './otp/index.js';

export * from './common.js';

const otp = createOtpApi(nobleHmacBackend);
export const { hotp, totp, createOtpEngine } = otp;
/** HMAC over the OTP hash functions. */
export const hmac = nobleHmacBackend.hmac;
