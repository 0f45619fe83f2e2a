/** An enrolled issuer hands a key over to another issuer by signing the new issuer's key for that key's serial (docs/protocol.md §10.3). */
import { concatBytes } from '../bytes.js';
import { signLabelled, verifyLabelled } from './sealed-crypto.js';

const HANDOVER_LABEL = 'hkey issuer handover v1';

function handoverMessage(serial: string, newIssuerPublicKey: Uint8Array): Uint8Array {
  const serialBytes = new TextEncoder().encode(serial);
  return concatBytes(Uint8Array.of(serialBytes.length), serialBytes, newIssuerPublicKey);
}

export function signHandover(serial: string, newIssuerPublicKey: Uint8Array, currentIssuerPrivateKey: Uint8Array): Promise<Uint8Array> {
  return signLabelled(HANDOVER_LABEL, handoverMessage(serial, newIssuerPublicKey), currentIssuerPrivateKey);
}

export function verifyHandover(serial: string, newIssuerPublicKey: Uint8Array, signature: Uint8Array, currentIssuerPublicKey: Uint8Array): Promise<boolean> {
  return verifyLabelled(HANDOVER_LABEL, handoverMessage(serial, newIssuerPublicKey), signature, currentIssuerPublicKey);
}
