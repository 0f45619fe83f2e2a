import { CborError } from '../errors.js';
import { Status, type StatusName } from '../status.js';

/** Decoder codes are exactly the names of the CBOR statuses they answer with. */
export type CborStatusName = Extract<StatusName, `CBOR_${string}`>;

/** Builds the CborError for a broken rule of docs/protocol.md §3.3; its code is the status name. */
export function cborError(code: CborStatusName, offset: number, message: string): CborError {
  return new CborError(code, Status[code], offset, message);
}
