/**
 * Attestation (docs/protocol.md §9.7): packed under the simulator root, a team's own CA from a directory, and the
 * self and none formats. Certificates and signatures are checked with node:crypto (OpenSSL), not the key's @noble.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttestationFormat, type AttestationIdentity, VirtualKey, attestationIdentity, defaultAttestationIdentity } from '@hkey/firmware-sim';
import { certificatePem, loadAttestationCa } from '@hkey/firmware-sim/node';
import { CtapCommand, type CtapMap, MakeCredentialResponseKey, decodeAuthenticatorData, decodeCtap, encodeCtap } from '@hkey/protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { clientDataHash, makeCredentialParams, splitAnswer } from './fido-client.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hkey-attestation-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A CA as a team would make one with OpenSSL. */
function makeCa(name: string, options: { ca?: boolean; curve?: string } = {}): string {
  const caDir = join(dir, name);
  execFileSync('mkdir', ['-p', caDir]);
  openssl(['ecparam', '-name', options.curve ?? 'prime256v1', '-genkey', '-noout', '-out', join(caDir, 'ca.key')]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    join(caDir, 'ca.key'),
    '-out',
    join(caDir, 'ca.pem'),
    '-days',
    '30',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `basicConstraints=critical,CA:${options.ca === false ? 'FALSE' : 'TRUE'}`,
  ]);
  return caDir;
}

async function register(options: { attestation?: AttestationIdentity; attestationFormat?: AttestationFormat }) {
  const key = await VirtualKey.start({ fido: options });
  const hash = clientDataHash('attestation');
  const answer = splitAnswer((await key.openSession('hid').ctap(new Uint8Array([CtapCommand.MakeCredential, ...encodeCtap(makeCredentialParams({ hash }))])))!);
  expect(answer.status).toBe(0);
  const authData = answer.body.get(MakeCredentialResponseKey.authData) as Uint8Array;
  return {
    fmt: answer.body.get(MakeCredentialResponseKey.fmt),
    authData,
    attStmt: answer.body.get(MakeCredentialResponseKey.attStmt) as CtapMap,
    signed: Buffer.concat([authData, hash]),
  };
}

function derToPublicKey(certificate: Uint8Array) {
  return new X509Certificate(Buffer.from(certificate)).publicKey;
}

describe('packed attestation', () => {
  test('the batch certificate chains to the simulator root and signs authData || clientDataHash', async () => {
    const { fmt, attStmt, signed } = await register({});
    expect(fmt).toBe('packed');
    const [batch] = attStmt.get('x5c') as Uint8Array[];
    const root = new X509Certificate(Buffer.from(await defaultAttestationIdentity().root()));
    const batchCertificate = new X509Certificate(Buffer.from(batch!));
    expect(batchCertificate.verify(root.publicKey)).toBe(true);
    expect(batchCertificate.subject).toMatch(/OU=Authenticator Attestation/);
    expect(batchCertificate.ca).toBe(false);
    expect(verify('sha256', signed, derToPublicKey(batch!), Buffer.from(attStmt.get('sig') as Uint8Array))).toBe(true);
    expect(attStmt.get('alg')).toBe(-7);
  });

  test("a team's own CA from a directory issues the batch certificate", async () => {
    const ca = await loadAttestationCa(makeCa('team-ca'));
    const { attStmt, signed } = await register({ attestation: attestationIdentity(ca) });
    const [batch] = attStmt.get('x5c') as Uint8Array[];
    const teamRoot = new X509Certificate(Buffer.from(ca.certificate));
    expect(new X509Certificate(Buffer.from(batch!)).verify(teamRoot.publicKey)).toBe(true);
    expect(new X509Certificate(Buffer.from(batch!)).issuer).toBe('CN=team-ca');
    expect(new X509Certificate(Buffer.from(batch!)).verify(new X509Certificate(Buffer.from(await defaultAttestationIdentity().root())).publicKey)).toBe(false);
    expect(verify('sha256', signed, derToPublicKey(batch!), Buffer.from(attStmt.get('sig') as Uint8Array))).toBe(true);
    expect(certificatePem(ca.certificate)).toContain('-----BEGIN CERTIFICATE-----');
  });

  test('a missing directory, a leaf certificate, another curve and a foreign key are refused with stable codes', async () => {
    await expect(loadAttestationCa(join(dir, 'nowhere'))).rejects.toMatchObject({ code: 'ATTESTATION_CA_MISSING' });
    await expect(loadAttestationCa(makeCa('leaf', { ca: false }))).rejects.toMatchObject({ code: 'ATTESTATION_CA_INVALID' });
    await expect(loadAttestationCa(makeCa('p384', { curve: 'secp384r1' }))).rejects.toMatchObject({ code: 'ATTESTATION_CA_INVALID' });
    const mixed = makeCa('mixed');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(mixed, 'ca.key')]);
    const refusal = loadAttestationCa(mixed);
    await expect(refusal).rejects.toMatchObject({ code: 'ATTESTATION_CA_KEY_MISMATCH' });
    await writeFile(join(mixed, 'ca.key'), 'not a key');
    const error = await loadAttestationCa(mixed).catch((caught: Error) => caught);
    expect(error).toMatchObject({ code: 'ATTESTATION_CA_INVALID' });
    expect((error as Error).message).not.toContain('not a key');
  });
});

describe('other formats', () => {
  test('self: packed without x5c, signed by the credential key itself', async () => {
    const { fmt, attStmt, signed, authData } = await register({ attestationFormat: 'self' });
    expect(fmt).toBe('packed');
    expect(attStmt.has('x5c')).toBe(false);
    const coseKey = decodeAuthenticatorData(authData).attested!.publicKey;
    const cose = decodeCtap(coseKey) as CtapMap;
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(cose.get(-2) as Uint8Array).toString('base64url'),
      y: Buffer.from(cose.get(-3) as Uint8Array).toString('base64url'),
    };
    expect(verify('sha256', signed, createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(attStmt.get('sig') as Uint8Array))).toBe(true);
  });

  test('none: an empty statement', async () => {
    const { fmt, attStmt } = await register({ attestationFormat: 'none' });
    expect(fmt).toBe('none');
    expect(attStmt.size).toBe(0);
  });
});
