/**
 * What a host does on a service of a connected key before its first request, the one place for the HKP service
 * (docs/protocol.md §2.2) and the FIDO service (§2.12, CTAP 2.1 §11.4) alike: check the service revision (HKP) or
 * select FIDO2 on fidoServiceRevisionBitfield (FIDO), enable the status notifications, read the control point
 * length. BleChannel.open runs it; the BLE transports only connect.
 */
import { FidoServiceRevision, HKP_SERVICE_REVISION, decodeControlPointLength } from '@hkey/protocol';
import { TransportError } from './errors.js';
import type { BleService, GattConnection, GattNotifying, GattReadable, GattWritable } from './gatt-connection.js';

/** The characteristics the framing of §2.4 runs on, per service. */
export interface BleServiceCharacteristics {
  readonly controlPoint: GattWritable;
  readonly status: GattNotifying;
  readonly controlPointLength: GattReadable;
  /** fidoControlPoint takes Write Requests only; the HKP control point takes Write Commands. */
  readonly writeWithResponse: boolean;
}

export const BLE_SERVICE_CHARACTERISTICS: Readonly<Record<BleService, BleServiceCharacteristics>> = {
  hkp: { controlPoint: 'control-point', status: 'status', controlPointLength: 'control-point-length', writeWithResponse: false },
  fido: { controlPoint: 'fido-control-point', status: 'fido-status', controlPointLength: 'fido-control-point-length', writeWithResponse: true },
};

/**
 * Prepares `service` and resolves with its control point length, or with undefined when the key's FIDO service
 * lacks FIDO2 (a U2F-only authenticator, which FidoClient cannot drive). Throws PROTOCOL_VIOLATION for a service
 * this host cannot use; a failed GATT operation rejects as the connection's does.
 */
export async function prepareBleService(connection: GattConnection, service: BleService): Promise<number | undefined> {
  if (service === 'hkp') assertServiceRevision(await connection.read('service-revision'));
  else if (!(await selectFido2(connection))) return undefined;
  const { status, controlPointLength } = BLE_SERVICE_CHARACTERISTICS[service];
  await connection.subscribe(true, status);
  const length = decodeControlPointLength(await connection.read(controlPointLength));
  if (length !== undefined) return length;
  const message =
    service === 'hkp'
      ? "The device's control point length is not a 16-bit value from 20 to 512, so it is not an HKP/1 key."
      : "The key's fidoControlPointLength is not a 16-bit value from 20 to 512, so its FIDO service cannot be used.";
  throw new TransportError('PROTOCOL_VIOLATION', { message });
}

/** A host that does not understand the HKP service's revision does not use the service (§2.2). */
function assertServiceRevision(value: Uint8Array): void {
  if (new TextDecoder().decode(value) !== HKP_SERVICE_REVISION) {
    throw new TransportError('PROTOCOL_VIOLATION', {
      message: `The key's HKP service is not revision ${HKP_SERVICE_REVISION}, which this bridge speaks; update the bridge.`,
    });
  }
}

/** Reads fidoServiceRevisionBitfield and selects FIDO2 by writing its bit alone; false when the key lacks FIDO2. */
async function selectFido2(connection: GattConnection): Promise<boolean> {
  const bitfield = await connection.read('fido-service-revision-bitfield');
  if (bitfield.length < 1)
    throw new TransportError('PROTOCOL_VIOLATION', { message: "The key's fidoServiceRevisionBitfield is empty, so its FIDO service cannot be used." });
  if (((bitfield[0] as number) & FidoServiceRevision.FIDO2) === 0) return false;
  await connection.write(Uint8Array.of(FidoServiceRevision.FIDO2), true, 'fido-service-revision-bitfield');
  return true;
}
