export * from './constants.js';
export * from './ctap-error.js';
export * from './ctap-cbor.js';
export * from './fields.js';
export * from './cose.js';
export * from './authenticator-data.js';
export * from './u2f.js';
