/** @hkey/protocol for Node: OTP with node:crypto (and noble midstates where they measure faster). */
import { createOtpApi } from './otp/index.js';
import { nodeHmacBackend } from './otp/hmac-node.js';

export * from './common.js';

const otp = createOtpApi(nodeHmacBackend);
export const { hotp, totp, createOtpEngine } = otp;
/** HMAC over the OTP hash functions (also used by the simulator to hash PINs). */
export const hmac = nodeHmacBackend.hmac;
