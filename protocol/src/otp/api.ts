import type { OtpCounter } from './counter.js';
import { createOtpEngineWith, type HotpOptions, type OtpEngine, type TotpOptions } from './engine.js';
import type { HmacBackend } from './hmac.js';
import { hotpWith, totpWith } from './one-shot.js';

/** The HMAC-bound OTP functions an entry point exports. */
export interface OtpApi {
  hotp(secret: Uint8Array, counter: OtpCounter, options?: HotpOptions): string;
  totp(secret: Uint8Array, time: number, options?: TotpOptions): string;
  createOtpEngine(secret: Uint8Array, options?: TotpOptions): OtpEngine;
}

/** Binds the OTP functions to one platform's HMAC; each entry point does this once. */
export function createOtpApi(backend: HmacBackend): OtpApi {
  return {
    hotp: (secret, counter, options) => hotpWith(backend.hmac, secret, counter, options),
    totp: (secret, time, options) => totpWith(backend.hmac, secret, time, options),
    createOtpEngine: (secret, options) => createOtpEngineWith(backend, secret, options),
  };
}
