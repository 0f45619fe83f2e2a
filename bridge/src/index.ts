/**
 * @hkey/bridge for Node: the isomorphic parts (and the navigator.credentials shim, for tests and fixtures) plus what
 * needs Node (UDP, the BLE link, node-hid, noble, the server, the address registry).
 */
export * from './isomorphic.js';
export * from './shims/webauthn/index.js';
export * from './transports/udp.js';
export * from './transports/ble-link.js';
export * from './server/index.js';
export * from './transports/noble.js';
export * from './transports/node-hid.js';
export * from './addresses.js';
