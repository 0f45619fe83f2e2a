/**
 * Whether a key's identity (an inventory line, or its copy in a bundle) is a genuine key's: the chain ends in the
 * pinned manufacturer root, each certificate is signed by the next, and the device certificate names the serial,
 * certifies the signing key and carries the key-agreement key in its extension (docs/protocol.md §10.2). Only
 * then does the issuer seal to the KEM key, and only then do receipts signed by the signing key prove anything.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { KEM_KEY_EXTENSION_OID, type KeyIdentityEntry } from '@hkey/protocol';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

const COMMON_NAME_OID = '2.5.4.3';

/** The manufacturer root DER: a team's CA from a PEM file, or the simulator's root. */
export async function loadManufacturerRoot(file: string | undefined): Promise<Uint8Array> {
  if (file === undefined) return (await (await import('@hkey/firmware-sim')).simulatorRootCa()).certificate;
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    throw new CliError('USAGE_MANUFACTURER_CA', `Cannot read the manufacturer CA ${file}: check the path and its permissions.`);
  }
  try {
    const certificate = new X509Certificate(pem);
    if (!certificate.ca) throw new Error('not a CA');
    return new Uint8Array(certificate.raw);
  } catch {
    throw new CliError('USAGE_MANUFACTURER_CA', `${file} is not a PEM CA certificate (the manufacturer root).`);
  }
}

function untrusted(serial: string, reason: string): CliError {
  return new CliError('IDENTITY_UNTRUSTED', `The identity of key ${serial} is not trusted: ${reason}.`, ExitCode.VERIFICATION_FAILED);
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, index) => byte === b[index]);

/** DER of an OBJECT IDENTIFIER given in dotted form (arcs may exceed 2^53, as UUID OIDs do). */
function oidDer(oid: string): Buffer {
  const [first, second, ...rest] = oid.split('.').map((arc) => BigInt(arc));
  const body: number[] = [];
  for (const arc of [(first as bigint) * 40n + (second as bigint), ...rest]) {
    const digits = [Number(arc & 0x7fn)];
    for (let value = arc >> 7n; value > 0n; value >>= 7n) digits.unshift(Number(value & 0x7fn) | 0x80);
    body.push(...digits);
  }
  return Buffer.from([0x06, body.length, ...body]);
}

const KEM_EXTENSION_PREFIX = Buffer.concat([oidDer(KEM_KEY_EXTENSION_OID), Buffer.from([0x04, 67, 0x04, 65])]);

/**
 * The KEM key in the device certificate's extension: the extension's OID, then extnValue (an OCTET STRING holding
 * the DER OCTET STRING of the 65-byte point). Found in the DER itself: the ASN.1 library misreads UUID OIDs.
 */
function extensionKey(device: Uint8Array): Uint8Array | undefined {
  const der = Buffer.from(device);
  const at = der.indexOf(KEM_EXTENSION_PREFIX);
  if (at < 0 || der.indexOf(KEM_EXTENSION_PREFIX, at + 1) >= 0) return undefined;
  const start = at + KEM_EXTENSION_PREFIX.length;
  return start + 65 <= der.length ? new Uint8Array(der.subarray(start, start + 65)) : undefined;
}

function commonName(device: Uint8Array): string | undefined {
  const subject = AsnConvert.parse(device, Certificate).tbsCertificate.subject;
  for (const set of subject) for (const attribute of set) if (attribute.type === COMMON_NAME_OID) return attribute.value.toString();
  return undefined;
}

/** Throws IDENTITY_UNTRUSTED (naming the first check that failed) unless the identity chains to `root`. */
export function verifyKeyIdentity(entry: KeyIdentityEntry, root: Uint8Array, now = new Date()): void {
  const { serial, chain } = entry;
  if (!equal(chain[chain.length - 1] ?? new Uint8Array(), root)) throw untrusted(serial, 'its chain does not end in the manufacturer root');
  let certificates: X509Certificate[];
  try {
    certificates = chain.map((der) => new X509Certificate(Buffer.from(der)));
  } catch {
    throw untrusted(serial, 'a certificate of its chain does not parse');
  }
  for (const [index, certificate] of certificates.entries()) {
    const issuer = certificates[Math.min(index + 1, certificates.length - 1)] as X509Certificate;
    if (!certificate.verify(issuer.publicKey) || (index < certificates.length - 1 && !certificate.checkIssued(issuer))) {
      throw untrusted(serial, `certificate ${index + 1} of its chain is not signed by the next`);
    }
    if (index < certificates.length - 1 && index > 0 && !certificate.ca) throw untrusted(serial, `certificate ${index + 1} of its chain is not a CA`);
    if (new Date(certificate.validFrom) > now || new Date(certificate.validTo) < now) throw untrusted(serial, `certificate ${index + 1} is not valid today`);
  }
  const device = chain[0] as Uint8Array;
  let kem: Uint8Array | undefined;
  let name: string | undefined;
  try {
    kem = extensionKey(device);
    name = commonName(device);
  } catch {
    throw untrusted(serial, 'its device certificate does not parse');
  }
  if (name !== serial) throw untrusted(serial, 'its device certificate names another serial');
  const jwk = (certificates[0] as X509Certificate).publicKey.export({ format: 'jwk' }) as { crv?: string; x?: string; y?: string };
  const certified =
    jwk.crv === 'P-256' ? Buffer.concat([Buffer.of(4), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]) : undefined;
  if (certified === undefined || !equal(certified, entry.signingPublicKey)) throw untrusted(serial, 'its device certificate certifies another signing key');
  if (kem === undefined || !equal(kem, entry.kemPublicKey))
    throw untrusted(serial, "its device certificate's key-agreement extension differs from its KEM key");
}
