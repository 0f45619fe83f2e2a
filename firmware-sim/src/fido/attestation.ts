/**
 * Attestation identity of the virtual security key (CTAP 2.1 §6.1.2, WebAuthn Level 2 §8.2 "packed"): a batch key
 * shared by every virtual key, as a real batch of keys shares one, and its certificate issued by a simulator root CA.
 * Both keys derive from fixed seeds, and ECDSA here is deterministic (RFC 6979), so every install has the same root
 * a relying party can pin. The batch certificate meets WebAuthn §8.2.1: version 3, subject C/O/OU/CN with
 * OU "Authenticator Attestation", basic constraints CA=false, and the AAGUID in id-fido-gen-ce-aaguid.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import { hkdfSha256, p256PrivateKey, p256PublicKey, p256SignDeterministic } from './crypto.js';

/** The AAGUID of the virtual Hideez Key 4 model (docs/protocol.md §9.4). */
export const VIRTUAL_KEY_AAGUID = 'e179e72f-2de1-4a89-beea-150b82775442';

export function aaguidBytes(aaguid: string): Uint8Array {
  const hex = aaguid.replace(/-/g, '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

/** What the key signs attestations with. */
export interface AttestationIdentity {
  readonly aaguid: Uint8Array;
  /** Raw P-256 private key of the batch (32 bytes). */
  readonly privateKey: Uint8Array;
  /** DER certificates: the batch certificate first, then its issuers up to (excluding) the root. */
  readonly certificates: readonly Uint8Array[];
  /** The root that relying parties pin (DER). */
  readonly root: Uint8Array;
}

/** A certificate authority that issues batch certificates. */
export interface AttestationCa {
  readonly certificate: Uint8Array;
  readonly privateKey: Uint8Array;
}

export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  fidoAaguid: '1.3.6.1.4.1.45724.1.1.4',
};

/** The named-curve parameter of a P-256 key: the DER of OBJECT IDENTIFIER 1.2.840.10045.3.1.7 (RFC 5480 §2.1.1.1). */
const PRIME256V1_PARAMETER = new Uint8Array([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

const ORGANIZATION = 'hkey virtual keys';

export function subjectName(parts: ReadonlyArray<readonly [string, string]>): Name {
  return new Name(
    parts.map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type, value: new AttributeValue(type === OID.country ? { printableString: value } : { utf8String: value }) }),
        ]),
    ),
  );
}

function ecdsaWithSha256(): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

function publicKeyInfo(publicKey: Uint8Array): SubjectPublicKeyInfo {
  return new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: OID.ecPublicKey, parameters: toArrayBuffer(PRIME256V1_PARAMETER) }),
    subjectPublicKey: toArrayBuffer(publicKey),
  });
}

function extension(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export interface CertificateRequest {
  /** The certificate's serial number, big-endian (a positive INTEGER: the first byte below 0x80). */
  readonly serial: number | Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  readonly subjectPublicKey: Uint8Array;
  readonly issuerPrivateKey: Uint8Array;
  readonly isCa: boolean;
  readonly aaguid?: Uint8Array;
  /** Further non-critical extensions: OID and DER value. */
  readonly extensions?: ReadonlyArray<readonly [string, Uint8Array]>;
}

/** Issues an X.509 v3 certificate signed (ECDSA P-256, deterministic) by `issuerPrivateKey`: batch, root and device certificates. */
export function issueCertificate(request: CertificateRequest): Uint8Array {
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: request.isCa })),
    extension(id_ce_keyUsage, true, new KeyUsage(request.isCa ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature)),
  ];
  if (request.aaguid) extensions.push(extension(OID.fidoAaguid, false, new OctetString(toArrayBuffer(request.aaguid))));
  for (const [id, der] of request.extensions ?? [])
    extensions.push(new Extension({ extnID: id, critical: false, extnValue: new OctetString(toArrayBuffer(der)) }));
  const tbsCertificate = new TBSCertificate({
    version: 2,
    serialNumber: toArrayBuffer(typeof request.serial === 'number' ? new Uint8Array([request.serial]) : request.serial),
    signature: ecdsaWithSha256(),
    issuer: request.issuer,
    validity: new Validity({ notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2051-01-01T00:00:00Z') }),
    subject: request.subject,
    subjectPublicKeyInfo: publicKeyInfo(request.subjectPublicKey),
    extensions: new Extensions(extensions),
  });
  const tbs = new Uint8Array(AsnConvert.serialize(tbsCertificate));
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm: ecdsaWithSha256(),
    signatureValue: toArrayBuffer(p256SignDeterministic(request.issuerPrivateKey, tbs)),
  });
  return new Uint8Array(AsnConvert.serialize(certificate));
}

function seededKey(label: string): Uint8Array {
  return p256PrivateKey(hkdfSha256(new TextEncoder().encode(label), new Uint8Array(32), 'hkey attestation seed', 48));
}

/** Issues a batch certificate for `batchPrivateKey` under `ca`. */
export function issueBatchCertificate(ca: AttestationCa, batchPrivateKey: Uint8Array, aaguid: Uint8Array): Uint8Array {
  const issuer = AsnConvert.parse(ca.certificate, Certificate).tbsCertificate.subject;
  return issueCertificate({
    serial: 2,
    issuer,
    subject: subjectName([
      [OID.country, 'US'],
      [OID.organization, ORGANIZATION],
      [OID.organizationalUnit, 'Authenticator Attestation'],
      [OID.commonName, 'hkey virtual Hideez Key 4 batch 1'],
    ]),
    subjectPublicKey: p256PublicKey(batchPrivateKey),
    issuerPrivateKey: ca.privateKey,
    isCa: false,
    aaguid,
  });
}

/** The simulator's own root CA: the same on every install (fixed seed, deterministic signatures). */
export function simulatorRootCa(): AttestationCa {
  const privateKey = seededKey('hkey simulator attestation root v1');
  const subject = subjectName([
    [OID.country, 'US'],
    [OID.organization, ORGANIZATION],
    [OID.commonName, 'hkey simulator attestation root'],
  ]);
  const certificate = issueCertificate({
    serial: 1,
    issuer: subject,
    subject,
    subjectPublicKey: p256PublicKey(privateKey),
    issuerPrivateKey: privateKey,
    isCa: true,
  });
  return { certificate, privateKey };
}

let defaultIdentity: AttestationIdentity | undefined;

/** The batch identity of every virtual key unless a team brings its own CA; built once per process. */
export function defaultAttestationIdentity(): AttestationIdentity {
  if (defaultIdentity === undefined) defaultIdentity = attestationIdentity(simulatorRootCa());
  return defaultIdentity;
}

/** A batch identity under `ca` (a team's own test CA, `hkey sim --attestation-ca`). */
export function attestationIdentity(ca: AttestationCa): AttestationIdentity {
  const aaguid = aaguidBytes(VIRTUAL_KEY_AAGUID);
  const privateKey = seededKey('hkey simulator attestation batch v1');
  return { aaguid, privateKey, certificates: [issueBatchCertificate(ca, privateKey, aaguid)], root: ca.certificate };
}
