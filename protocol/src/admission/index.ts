/** Who may talk to a local server (the simulator's control API, the bridge): pure checks shared by both. */
export { isLoopbackHostname } from './loopback.js';
export { type HostHeader, parseHostHeader } from './host-header.js';
export { type WebOrigin, isLoopbackOrigin, parseOrigin } from './origin.js';
export { MIN_LAUNCH_TOKEN_LENGTH, constantTimeEqual, presentsToken } from './token.js';
