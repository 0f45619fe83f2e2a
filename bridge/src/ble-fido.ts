/**
 * What a host does on the FIDO GATT service (docs/protocol.md §2.12, CTAP 2.1 §11.4) before its first request:
 * read fidoServiceRevisionBitfield and select FIDO2 by writing its bit alone. Every BLE transport calls this while
 * connecting, then subscribes fidoStatus; the framing after that is BleChannel's.
 */
import { FidoServiceRevision } from '@hkey/protocol';
import { TransportError } from './errors.js';

/**
 * Selects FIDO2, given the bitfield the key reads. Resolves false when it lacks FIDO2 (a U2F-only authenticator,
 * which FidoClient cannot drive); throws PROTOCOL_VIOLATION when it is empty. A refused write rejects as the
 * transport's write does.
 */
export async function selectFido2(bitfield: Uint8Array, writeBitfield: (value: Uint8Array) => Promise<void>): Promise<boolean> {
  if (bitfield.length < 1) throw new TransportError('PROTOCOL_VIOLATION', { message: "The key's fidoServiceRevisionBitfield is empty, so its FIDO service cannot be used." });
  if (((bitfield[0] as number) & FidoServiceRevision.FIDO2) === 0) return false;
  await writeBitfield(Uint8Array.of(FidoServiceRevision.FIDO2));
  return true;
}
