// Isomorphic OTP API. The node:crypto backend lives in ./hmac-node.js, which only the Node entry imports.
export { OTP_ALGORITHMS, isOtpAlgorithm, type OtpAlgorithm } from './algorithm.js';
export { createOtpApi, type OtpApi } from './api.js';
export { MAX_OTP_COUNTER, type OtpCounter } from './counter.js';
export type { HotpOptions, OtpEngine, TotpOptions } from './engine.js';
export { hmacBackendFromFunction, type HmacBackend, type HmacFunction, type HmacKeyBinder, type KeyedHmac } from './hmac.js';
export { bindNobleHmacKey, nobleHmac, nobleHmacBackend } from './hmac-noble.js';
export type { OtpErrorCode } from './otp-error-code.js';
export { DEFAULT_OTP_ALGORITHM, DEFAULT_OTP_DIGITS, DEFAULT_TOTP_PERIOD, type OtpDigits } from './parameters.js';
export { MAX_TOTP_TIME, totpRemainingSeconds, totpStep, totpValidUntil } from './time-step.js';
