/**
 * A team's own attestation CA for the virtual keys (`hkey sim --attestation-ca DIR`, docs/protocol.md §9.7): DIR holds
 * `ca.pem` (the CA certificate) and `ca.key` (its P-256 private key, PKCS#8 or SEC1 PEM). The CA issues the batch
 * certificate, so the team's relying party trusts virtual keys by the root it already pins.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HkeyError } from '@hkey/protocol';
import type { AttestationCa } from '../fido/attestation.js';

export class AttestationCaError extends HkeyError {}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new AttestationCaError('ATTESTATION_CA_MISSING', `The attestation CA directory needs ${what} at ${path}.`);
  }
}

export async function loadAttestationCa(dir: string): Promise<AttestationCa> {
  const certificatePem = await readPem(join(dir, 'ca.pem'), 'the CA certificate (ca.pem)');
  const keyPem = await readPem(join(dir, 'ca.key'), 'the CA private key (ca.key)');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    throw new AttestationCaError('ATTESTATION_CA_INVALID', 'ca.pem is not a PEM certificate.');
  }
  if (!certificate.ca) throw new AttestationCaError('ATTESTATION_CA_INVALID', 'ca.pem is not a CA certificate (basic constraints CA=false).');
  let jwk: { crv?: string; d?: string; x?: string; y?: string };
  try {
    const key = createPrivateKey(keyPem);
    jwk = key.export({ format: 'jwk' }) as typeof jwk;
  } catch {
    throw new AttestationCaError('ATTESTATION_CA_INVALID', 'ca.key is not a PEM private key.');
  }
  if (jwk.crv !== 'P-256' || jwk.d === undefined) throw new AttestationCaError('ATTESTATION_CA_INVALID', 'ca.key must be a P-256 (prime256v1) EC key.');
  const certified = certificate.publicKey.export({ format: 'jwk' }) as typeof jwk;
  if (certified.x !== jwk.x || certified.y !== jwk.y) throw new AttestationCaError('ATTESTATION_CA_KEY_MISMATCH', 'ca.key is not the private key of ca.pem.');
  return { certificate: new Uint8Array(certificate.raw), privateKey: new Uint8Array(Buffer.from(jwk.d, 'base64url')) };
}

/** A DER certificate as PEM, for people and relying parties. */
export function certificatePem(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}
