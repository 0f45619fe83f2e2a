/** @hkey/protocol for Node: HMAC from node:crypto. */
export * from './common.js';
