export { decodeBase32, type Base32ErrorCode } from './decode-base32.js';
export { encodeBase32, type Base32EncodeOptions } from './encode-base32.js';
