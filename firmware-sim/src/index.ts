export * from './core/clock.js';
export * from './core/virtual-clock.js';
export * from './core/random.js';
export * from './core/presence.js';
export * from './core/state.js';
export * from './core/store.js';
export * from './core/state-codec.js';
export * from './core/events.js';
export * from './core/flash-faults.js';
export * from './core/link-faults.js';
export * from './core/session.js';
export * from './core/virtual-key.js';
export { type CommandContext, type CommandHandler, type CommandHandlers, defaultHandlers } from './commands/index.js';
export * from './hid/hid-endpoint.js';
export * from './hid/in-process-port.js';
export * from './core/record-replay.js';
export * from './ble/ble-endpoint.js';
export * from './core/pacer.js';
export {
  type AttestationCa,
  type AttestationIdentity,
  VIRTUAL_KEY_AAGUID,
  attestationIdentity,
  defaultAttestationIdentity,
  simulatorRootCa,
} from './fido/attestation.js';
export { type FidoOptions, FidoAuthenticator } from './fido/authenticator.js';
export type { AttestationFormat } from './fido/runtime.js';
export { type FidoSigner, nobleSigner } from './fido/signer.js';
