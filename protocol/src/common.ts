/** Everything of the protocol package that does not depend on the platform's HMAC. */
export * from './errors.js';
export * from './bytes.js';
export type * from './cbor-types.js';
export * from './status.js';
export * from './limits.js';
export * from './cbor/index.js';
export * from './messages/index.js';
export * from './hid/index.js';
export * from './ble/index.js';
export * from './otp/index.js';
export * from './secret/index.js';
export * from './fixture/fixture.js';
export * from './ble-link/ble-link.js';
export * from './otpauth/index.js';
export * from './admission/index.js';
export * from './ctap/index.js';
export * from './sealed/index.js';
