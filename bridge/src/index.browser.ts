/**
 * @hkey/bridge for browsers (no node: imports): the isomorphic parts, the WebHID and Web Bluetooth transports, and
 * the navigator.hid / navigator.bluetooth shims. The bridge server, UDP, the BLE link, node-hid and noble need Node
 * and are only in the Node entry.
 */
export * from './isomorphic.js';
export * from './transports/webhid.js';
export * from './transports/webbluetooth.js';
export * from './shims/index.js';
