export * from './constants.js';
export { bleFragmentCount, encodeBleMessage } from './encode.js';
export { bleFragmentSize } from './fragment-size.js';
export { decodeControlPointLength, encodeControlPointLength, FIDO_GATT, FidoServiceRevision, HKP_GATT, HKP_SERVICE_REVISION } from './gatt.js';
export { BleReassembler, type BleReassemblerOptions, type BleReceiveResult } from './reassembler.js';
