/** @hkey/firmware-sim/node: the parts of the simulator that need Node (files, sockets, HTTP). */
export * from './file-store.js';
export * from './atomic-write.js';
export * from './udp-server.js';
export * from './simulator.js';
export * from './control-server.js';
export * from './listen-error.js';
export * from './ble-link-server.js';
export * from './attestation-ca.js';
export * from './node-fido-signer.js';
export * from './passphrase-key.js';
export * from './simulated-device.js';
export * from './key-fleet.js';
export * from './device-control.js';
export * from './sharded-simulator.js';
export * from './ble-link-session.js';
