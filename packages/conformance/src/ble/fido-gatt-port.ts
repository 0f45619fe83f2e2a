/**
 * A BLE connection to a key's FIDO GATT service (CTAP 2.1 §11.4, docs/protocol.md §2.12), for the security-key
 * cases over BLE. It has the shape of the HKP service's GattPort, so RawBleLink frames and checks it the same way
 * (the FIDO service uses the framing of §2.3 to §2.10): controlPointLength reads fidoControlPointLength, write goes
 * to fidoControlPoint, notifications come from fidoStatus. The revision characteristic is the FIDO service's own.
 */
import type { GattPort } from '@hkey/bridge';

/** How a write to fidoServiceRevisionBitfield ended: accepted, or refused with an ATT error. */
export type RevisionWriteOutcome = 'selected' | 'invalid-length' | 'value-not-allowed';

export interface FidoGattPort extends GattPort {
  /** Reads fidoServiceRevisionBitfield: one bit per revision the key supports. */
  revisionBitfield(): Promise<Uint8Array>;
  /** Writes fidoServiceRevisionBitfield: the host selects a revision for this connection. */
  selectRevision(value: Uint8Array): Promise<RevisionWriteOutcome>;
}
