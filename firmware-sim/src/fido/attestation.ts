/**
 * Attestation identity of the virtual security key (CTAP 2.1 §6.1.2, WebAuthn Level 2 §8.2 "packed"): a batch key
 * shared by every virtual key, as a real batch of keys shares one, and its certificate issued by a simulator root CA.
 * Both keys derive from fixed seeds, and ECDSA here is deterministic (RFC 6979), so every install has the same root
 * a relying party can pin. The batch certificate meets WebAuthn §8.2.1: version 3, subject C/O/OU/CN with
 * OU "Authenticator Attestation", basic constraints CA=false, and the AAGUID in id-fido-gen-ce-aaguid.
 */
import {
  TRUE,
  bitString,
  certificateSubject,
  explicit,
  integer,
  namedBits,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  set,
  time,
  utf8String,
} from './der.js';
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
  /** DER certificates: the batch certificate first, then its issuers up to (excluding) the root; issued on first call. */
  certificates(): Promise<readonly Uint8Array[]>;
  /** The root that relying parties pin (DER). */
  root(): Promise<Uint8Array>;
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
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  prime256v1: '1.2.840.10045.3.1.7',
  fidoAaguid: '1.3.6.1.4.1.45724.1.1.4',
};

const ORGANIZATION = 'hkey virtual keys';

/** A DER Name of one attribute per RDN, in order (RFC 5280 §4.1.2.4): the country a PrintableString, the rest UTF-8. */
export function subjectName(parts: ReadonlyArray<readonly [string, string]>): Uint8Array {
  return sequence(...parts.map(([type, value]) => set(sequence(objectIdentifier(type), type === OID.country ? printableString(value) : utf8String(value)))));
}

const ecdsaWithSha256 = (): Uint8Array => sequence(objectIdentifier(OID.ecdsaWithSha256));

function publicKeyInfo(publicKey: Uint8Array): Uint8Array {
  return sequence(sequence(objectIdentifier(OID.ecPublicKey), objectIdentifier(OID.prime256v1)), bitString(publicKey));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(objectIdentifier(id), TRUE, octetString(value)) : sequence(objectIdentifier(id), octetString(value));
}

/** KeyUsage bits (RFC 5280 §4.2.1.3). */
const KeyUsageBit = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export interface CertificateRequest {
  /** The certificate's serial number, big-endian (a positive INTEGER: the first byte below 0x80). */
  readonly serial: number | Uint8Array;
  /** DER Names (subjectName, certificateSubject). */
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly subjectPublicKey: Uint8Array;
  readonly issuerPrivateKey: Uint8Array;
  readonly isCa: boolean;
  readonly aaguid?: Uint8Array;
  /** Further non-critical extensions: OID and DER value. */
  readonly extensions?: ReadonlyArray<readonly [string, Uint8Array]>;
}

/** Issues an X.509 v3 certificate signed (ECDSA P-256, deterministic) by `issuerPrivateKey`: batch, root and device certificates. */
export async function issueCertificate(request: CertificateRequest): Promise<Uint8Array> {
  const keyUsage = request.isCa ? [KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign] : [KeyUsageBit.digitalSignature];
  const extensions = [
    // cA FALSE is the DEFAULT, so DER leaves it out.
    extension(OID.basicConstraints, true, request.isCa ? sequence(TRUE) : sequence()),
    extension(OID.keyUsage, true, namedBits(keyUsage)),
  ];
  if (request.aaguid) extensions.push(extension(OID.fidoAaguid, false, octetString(request.aaguid)));
  for (const [id, der] of request.extensions ?? []) extensions.push(extension(id, false, der));
  const tbs = sequence(
    explicit(0, integer(Uint8Array.of(2))), // v3
    integer(typeof request.serial === 'number' ? Uint8Array.of(request.serial) : request.serial),
    ecdsaWithSha256(),
    request.issuer,
    sequence(time(new Date('2026-01-01T00:00:00Z')), time(new Date('2051-01-01T00:00:00Z'))),
    request.subject,
    publicKeyInfo(request.subjectPublicKey),
    explicit(3, sequence(...extensions)),
  );
  return sequence(tbs, ecdsaWithSha256(), bitString(await p256SignDeterministic(request.issuerPrivateKey, tbs)));
}

function seededKey(label: string): Uint8Array {
  return p256PrivateKey(hkdfSha256(new TextEncoder().encode(label), new Uint8Array(32), 'hkey attestation seed', 48));
}

/** Issues a batch certificate for `batchPrivateKey` under `ca`. */
export async function issueBatchCertificate(ca: AttestationCa, batchPrivateKey: Uint8Array, aaguid: Uint8Array): Promise<Uint8Array> {
  return issueCertificate({
    serial: 2,
    issuer: certificateSubject(ca.certificate),
    subject: subjectName([
      [OID.country, 'US'],
      [OID.organization, ORGANIZATION],
      [OID.organizationalUnit, 'Authenticator Attestation'],
      [OID.commonName, 'hkey virtual Hideez Key 4 batch 1'],
    ]),
    subjectPublicKey: await p256PublicKey(batchPrivateKey),
    issuerPrivateKey: ca.privateKey,
    isCa: false,
    aaguid,
  });
}

/** The simulator's own root CA: the same on every install (fixed seed, deterministic signatures). */
export async function simulatorRootCa(): Promise<AttestationCa> {
  const privateKey = seededKey('hkey simulator attestation root v1');
  const subject = subjectName([
    [OID.country, 'US'],
    [OID.organization, ORGANIZATION],
    [OID.commonName, 'hkey simulator attestation root'],
  ]);
  const certificate = await issueCertificate({
    serial: 1,
    issuer: subject,
    subject,
    subjectPublicKey: await p256PublicKey(privateKey),
    issuerPrivateKey: privateKey,
    isCa: true,
  });
  return { certificate, privateKey };
}

let sharedRootCa: Promise<AttestationCa> | undefined;

/** simulatorRootCa(), built once per process: the default issuer of batch certificates and of key identities. */
export function sharedSimulatorRootCa(): Promise<AttestationCa> {
  return (sharedRootCa ??= simulatorRootCa());
}

/**
 * A batch identity under the CA `issuer` gives. Its certificate is issued on first call: that loads @noble's P-256
 * and takes P-256 operations, the first of which builds @noble's tables (about 30 ms), and many runs never attest.
 */
function batchIdentity(issuer: () => Promise<AttestationCa>): AttestationIdentity {
  const aaguid = aaguidBytes(VIRTUAL_KEY_AAGUID);
  const privateKey = seededKey('hkey simulator attestation batch v1');
  let certificates: Promise<readonly Uint8Array[]> | undefined;
  return {
    aaguid,
    privateKey,
    certificates: () => (certificates ??= issuer().then(async (ca) => [await issueBatchCertificate(ca, privateKey, aaguid)])),
    root: async () => (await issuer()).certificate,
  };
}

let defaultIdentity: AttestationIdentity | undefined;

/** The batch identity of every virtual key unless a team brings its own CA; one per process. */
export function defaultAttestationIdentity(): AttestationIdentity {
  return (defaultIdentity ??= batchIdentity(sharedSimulatorRootCa));
}

/** A batch identity under `ca` (a team's own test CA, `hkey sim --attestation-ca`). */
export function attestationIdentity(ca: AttestationCa): AttestationIdentity {
  return batchIdentity(async () => ca);
}
