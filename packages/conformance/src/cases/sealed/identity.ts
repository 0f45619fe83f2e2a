/**
 * A key's provisioning identity as an issuer checks it before trusting it (docs/protocol.md §10.2): the device
 * certificate names the serial, certifies the signing key and carries the KEM key, and the chain verifies up to
 * its root. Checked with node:crypto, independently of the @noble code the simulator signs with.
 */
import { type KeyObject, X509Certificate, createPublicKey } from 'node:crypto';
import { type LifecycleName, concatBytes } from '@hkey/protocol';
import { check, describeBytes, fail, sameBytes } from '../../checks.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { certificateExtension, octetStringContents } from './der.js';

/** The device certificate's extension that carries the KEM public key (§10.2). */
export const KEM_KEY_EXTENSION_OID = '2.25.163362454534605685408922073621100056452';

export interface VerifiedIdentity {
  readonly serial: string;
  readonly kemPublicKey: Uint8Array;
  readonly signingPublicKey: Uint8Array;
  /** The signing key as the device certificate certifies it: receipts are checked against this one. */
  readonly certifiedKey: KeyObject;
  readonly root: X509Certificate;
  readonly lifecycle: LifecycleName;
}

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** An uncompressed P-256 point as a node:crypto key; fails the case when it is not one. */
export function p256PublicKey(point: Uint8Array, what: string): KeyObject {
  check(point.length === 65 && point[0] === 0x04, `${what}: an uncompressed P-256 point (65 bytes starting 04)`, () => describeBytes(point));
  try {
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33)) }, format: 'jwk' });
  } catch {
    fail(`${what}: a point on P-256`, describeBytes(point));
  }
}

function certificate(der: Uint8Array, position: number): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(der));
  } catch {
    fail(`certificate ${position} of the chain: DER X.509`, describeBytes(der));
  }
}

function commonName(subject: string): string | undefined {
  return subject
    .split('\n')
    .find((line) => line.startsWith('CN='))
    ?.slice(3);
}

/** GetIdentity, with every check of §10.2 an issuer makes before sealing to the key. */
export async function verifiedIdentity(session: HkpSession): Promise<VerifiedIdentity> {
  const info = await session.ok('GetInfo', {});
  const identity = await session.ok('GetIdentity', {});
  check(identity.serial === info.serial, `GetIdentity's serial ${info.serial}, as GetInfo says`, () => identity.serial);
  p256PublicKey(identity.kemPublicKey, 'the KEM public key');
  const signingKey = p256PublicKey(identity.signingPublicKey, 'the signing public key');
  check(identity.certificates.length >= 2, 'a chain of the device certificate and its root (§10.2)', () => `${identity.certificates.length} certificates`);
  const chain = identity.certificates.map((chunks, index) => certificate(concatBytes(...chunks), index));
  const [device, ...issuers] = chain as [X509Certificate, ...X509Certificate[]];
  const root = issuers[issuers.length - 1] as X509Certificate;
  chain.forEach((child, index) => {
    const parent = chain[Math.min(index + 1, chain.length - 1)] as X509Certificate;
    check(child.checkIssued(parent) && child.verify(parent.publicKey), `certificate ${index} signed by certificate ${index + 1}`, () => 'it does not verify');
  });
  check(root.ca, 'a CA certificate at the root', () => 'basic constraints without CA=true');
  check(!device.ca, 'a device certificate that is not a CA (§10.2)', () => 'CA=true');
  check(commonName(device.subject) === identity.serial, `the device certificate's CN ${identity.serial}`, () => device.subject.replace(/\n/g, ', '));
  check(device.publicKey.equals(signingKey), 'the device certificate certifying the signing key GetIdentity returns', () => 'another key');
  const extension = certificateExtension(new Uint8Array(device.raw), KEM_KEY_EXTENSION_OID);
  const kemInCertificate = extension && octetStringContents(extension);
  check(
    kemInCertificate !== undefined && sameBytes(kemInCertificate, identity.kemPublicKey),
    `the extension ${KEM_KEY_EXTENSION_OID} holding the KEM public key as an OCTET STRING (§10.2)`,
    () => (extension === undefined ? 'no such extension' : describeBytes(extension)),
  );
  return {
    serial: identity.serial,
    kemPublicKey: identity.kemPublicKey,
    signingPublicKey: identity.signingPublicKey,
    certifiedKey: device.publicKey,
    root,
    lifecycle: identity.lifecycle,
  };
}
