/** What both entries of @hkey/bridge export: the parts that run in Node and in browsers alike. */
export * from './errors.js';
export * from './transport.js';
export * from './hid-report-port.js';
export * from './hid-channel.js';
export * from './hid-transport.js';
export * from './lease.js';
export * from './key-client.js';
export * from './transports/virtual.js';
export * from './ble-channel.js';
export * from './ble-transport.js';
export * from './bridge-protocol.js';
export * from './gatt-connection.js';
export * from './gatt-endpoint.js';
export * from './transports/ws-connection.js';
export * from './transports/ws.js';
export * from './transports/ws-raw.js';
export * from './channel-transport.js';
