/**
 * What the security-key cases do on fidoServiceRevisionBitfield (CTAP 2.1 §11.4, docs/protocol.md §2.12) of a
 * connection whose FIDO service RawBleLink frames: select a revision and see how the key answers.
 */
import { BridgeError, type GattConnection } from '@hkey/bridge';

/** How a write to fidoServiceRevisionBitfield ended: accepted, or refused with an ATT error. */
export type RevisionWriteOutcome = 'selected' | 'invalid-length' | 'value-not-allowed';

/** Writes fidoServiceRevisionBitfield: the host selects a revision for this connection. */
export async function selectRevision(connection: GattConnection, value: Uint8Array): Promise<RevisionWriteOutcome> {
  try {
    await connection.write(value, true, 'fido-service-revision-bitfield');
    return 'selected';
  } catch (error) {
    if (error instanceof BridgeError && error.code === 'GATT_VALUE_NOT_ALLOWED') return 'value-not-allowed';
    if (error instanceof BridgeError && error.code === 'GATT_INVALID_LENGTH') return 'invalid-length';
    throw error;
  }
}
