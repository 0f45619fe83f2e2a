export { formatOtpauthUri } from './format-otpauth-uri.js';
export type { OtpauthErrorCode } from './otpauth-error-code.js';
export { parseOtpauthUri } from './parse-otpauth-uri.js';
export type { HotpOtpauthParameters, OtpauthParameters, OtpauthParseOptions, OtpauthType, TotpOtpauthParameters } from './types.js';
