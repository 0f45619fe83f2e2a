/**
 * A key's provisioning identity (docs/protocol.md §10.2): the HPKE key-agreement pair items are sealed to, the
 * signing pair receipts are signed with, and the device certificate that binds both to the serial under the
 * manufacturer CA. Everything derives from the key's seed, so it is the same after every restart and Wipe.
 */
import { KEM_KEY_EXTENSION_OID, type RawKeyPair, deriveKemKeyPair } from '@hkey/protocol';
import { type AttestationCa, OID, issueCertificate, subjectName } from '../fido/attestation.js';
import { certificateSubject } from '../fido/der.js';
import { hkdfSha256, p256PrivateKey, p256PublicKey, sha256 } from '../fido/crypto.js';

export interface KeyIdentity {
  readonly kem: RawKeyPair;
  readonly signing: RawKeyPair;
  /** DER: the device certificate, then the manufacturer root. */
  readonly certificates: readonly Uint8Array[];
}

const NO_SALT = new Uint8Array(32);

function octetString(bytes: Uint8Array): Uint8Array {
  return Uint8Array.of(0x04, bytes.length, ...bytes);
}

export async function deriveKeyIdentity(seed: Uint8Array, serial: string, manufacturer: AttestationCa): Promise<KeyIdentity> {
  const kem = await deriveKemKeyPair(hkdfSha256(seed, NO_SALT, 'hkey identity kem v1', 32));
  const signingPrivate = p256PrivateKey(hkdfSha256(seed, NO_SALT, 'hkey identity signing v1', 48));
  const signing = { privateKey: signingPrivate, publicKey: await p256PublicKey(signingPrivate) };
  const serialNumber = sha256(signing.publicKey).slice(0, 16);
  serialNumber[0] = (serialNumber[0] as number) & 0x7f || 0x01;
  const device = await issueCertificate({
    serial: serialNumber,
    issuer: certificateSubject(manufacturer.certificate),
    subject: subjectName([
      [OID.country, 'US'],
      [OID.organization, 'hkey virtual keys'],
      [OID.organizationalUnit, 'Key Identity'],
      [OID.commonName, serial],
    ]),
    subjectPublicKey: signing.publicKey,
    issuerPrivateKey: manufacturer.privateKey,
    isCa: false,
    extensions: [[KEM_KEY_EXTENSION_OID, octetString(kem.publicKey)]],
  });
  return { kem, signing, certificates: [device, manufacturer.certificate] };
}
