/** The bridge server and its key sources (Node only). */
export { type BridgeServer, type BridgeServerOptions, DEFAULT_BRIDGE_HOST, startBridgeServer } from './bridge-server.js';
export { type BridgeDeviceSource, DEFAULT_HID_INFO, type InProcessDevice, InProcessSource } from './device-source.js';
export type { DeviceHub, HubChange } from './device-hub.js';
export { DEFAULT_ALLOWED_ORIGINS } from './security.js';
export { nobleSource } from './noble-source.js';
export { nodeHidSource } from './node-hid-source.js';
export { udpSource } from './udp-source.js';
