import { HkeyError } from '../errors.js';
import { CtapStatus, type CtapStatusName } from './constants.js';

/**
 * A CTAP request or response broke a rule of CTAP 2.1 (docs/protocol.md §9); `status` is the CTAP status byte an
 * authenticator answers with. Messages name fields, never their values.
 */
export class CtapError extends HkeyError {
  readonly status: number;

  constructor(status: CtapStatusName, message: string) {
    super(`CTAP_${status}`, message);
    this.status = CtapStatus[status];
  }
}
