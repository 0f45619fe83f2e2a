/** The FIDO2 / U2F client (CTAP 2.1): isomorphic, over any Transport with the `fido` capability. */
export * from './fido-client.js';
export * from './fido-types.js';
export * from './fido-errors.js';
export * from './client-pin.js';
export * from './pin-token.js';
export * from './credential-management.js';
export * from './u2f-client.js';
export type { FidoCallOptions } from './ctap-channel.js';
