/** @hkey/bridge for Node: every isomorphic part plus the transports that need Node (UDP). */
export * from './errors.js';
export * from './transport.js';
export * from './hid-report-port.js';
export * from './hid-channel.js';
export * from './hid-transport.js';
export * from './lease.js';
export * from './key-client.js';
export * from './transports/virtual.js';
export * from './transports/udp.js';
