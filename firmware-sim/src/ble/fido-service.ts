/**
 * What is particular to the FIDO GATT service (CTAP 2.1 §11.4, docs/protocol.md §2.12): the revision a host
 * selects on fidoServiceRevisionBitfield, and which of the authenticator's two interfaces serves a MSG.
 */
import { BleError, FidoServiceRevision } from '@hkey/protocol';
import type { KeySession } from '../core/session.js';
import type { BleMessageServer } from './ble-service-channel.js';

/** The revisions this key supports: U2F 1.2 and FIDO2 (CTAP 2.1 §11.4.1). */
export const FIDO_SUPPORTED_REVISIONS = FidoServiceRevision.U2F_1_2 | FidoServiceRevision.FIDO2;

/** The CLA byte that starts every U2F request APDU; no CTAP2 command byte is 0x00. */
const U2F_CLA = 0x00;

/** How a write to fidoServiceRevisionBitfield ends: as ATT would answer it. */
export type FidoRevisionWrite = 'selected' | 'invalid-length' | 'value-not-allowed';

/** The revision in force on one connection. */
export class FidoRevisionSelection {
  /** Until the host writes its choice the key serves FIDO2, which answers U2F APDUs as well. */
  private selected: number = FidoServiceRevision.FIDO2;

  /** The characteristic's value: every supported revision's bit. */
  read(): Uint8Array {
    return Uint8Array.of(FIDO_SUPPORTED_REVISIONS);
  }

  /** A host write: one byte with exactly one supported bit set. */
  write(value: Uint8Array): FidoRevisionWrite {
    if (value.length !== 1) return 'invalid-length';
    const bit = value[0] as number;
    if ((bit & (bit - 1)) !== 0 || (bit & FIDO_SUPPORTED_REVISIONS) === 0) return 'value-not-allowed';
    this.selected = bit;
    return 'selected';
  }

  /**
   * Serves a MSG (CTAP 2.1 §11.4): under FIDO2 a request starting 0x00 is a U2F APDU and any other a CTAP2
   * command byte + CBOR; under U2F 1.2 every request is an APDU. An empty MSG is ERROR INVALID_LEN.
   */
  server(session: KeySession): BleMessageServer {
    return (payload, options) => {
      if (payload.length === 0) return BleError.INVALID_LEN;
      if (this.selected === FidoServiceRevision.U2F_1_2 || payload[0] === U2F_CLA) return session.u2f(payload, options);
      return session.ctap(payload, options);
    };
  }
}
