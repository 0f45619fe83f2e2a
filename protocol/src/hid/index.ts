export * from './constants.js';
export { readHidCid } from './assembly.js';
export { encodeHidMessage, hidPacketCount } from './encode.js';
export { decodeHidInitRequest, decodeHidInitResponse, encodeHidInitRequest, encodeHidInitResponse, type HidInitResponse } from './init-payload.js';
export {
  decodeHidErrorPayload,
  decodeHidKeepalivePayload,
  decodeHidLockPayload,
  encodeHidErrorPayload,
  encodeHidKeepalivePayload,
  encodeHidLockPayload,
} from './one-byte-payloads.js';
export { HidReceiver, type HidReceiveResult, type HidReceiverOptions } from './receiver.js';
export { HidResponseReader, type HidResponseEvent } from './response-reader.js';
