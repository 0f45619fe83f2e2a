/**
 * fido/der.ts, the simulator's own DER writer, against independent implementations. @peculiar/asn1-schema and
 * asn1-x509 (the library der.ts replaced) parse and re-serialize every certificate the key issues byte for byte, and
 * build from what attestation.ts and key-identity.ts mean to write the same TBSCertificate; node:crypto (OpenSSL)
 * parses each and verifies its signature. fast-check compares each DER type with @peculiar's encoding of the same
 * value, and feeds certificateSubject mutated certificates.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createECDH, createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEM_KEY_EXTENSION_OID } from '@hkey/protocol';
import {
  AsnConvert,
  AsnIntegerBigIntConverter,
  AsnObjectIdentifierConverter,
  AsnPrintableStringConverter,
  AsnUtf8StringConverter,
  BitString,
  OctetString,
} from '@peculiar/asn1-schema';
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
  Time,
  Validity,
  Version,
  id_ce_basicConstraints,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type AttestationCa,
  type AttestationIdentity,
  VIRTUAL_KEY_AAGUID,
  attestationIdentity,
  defaultAttestationIdentity,
  simulatorRootCa,
} from '../src/fido/attestation.js';
import {
  bitString,
  certificateSubject,
  integer,
  namedBits,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  time,
  utf8String,
} from '../src/fido/der.js';
import { loadAttestationCa } from '../src/node/attestation-ca.js';
import { deriveKeyIdentity } from '../src/provisioning/key-identity.js';

const hex = (data: ArrayBuffer | Uint8Array): string => Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('hex');

/** asn1js reads an arc of more than 8 base-128 digits (2^56 and up) as those digits in hex, in braces: back to decimal. */
const decimalArcs = (oid: string): string =>
  oid.replace(/\{([0-9a-f]+)\}/g, (_, digits: string) =>
    Buffer.from(digits, 'hex')
      .reduce((value, digit) => value * 128n + BigInt(digit), 0n)
      .toString(),
  );

const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });

// Written out here rather than taken from attestation.ts, so that a wrong constant there cannot agree with itself.
const COUNTRY = '2.5.4.6';
const ORGANIZATION = '2.5.4.10';
const ORGANIZATIONAL_UNIT = '2.5.4.11';
const COMMON_NAME = '2.5.4.3';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const PRIME256V1 = '1.2.840.10045.3.1.7';
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const FIDO_AAGUID = '1.3.6.1.4.1.45724.1.1.4';
/** How OpenSSL (node's X509Certificate.subject) names them. */
const ATTRIBUTE_NAMES: Record<string, string> = { [COUNTRY]: 'C', [ORGANIZATION]: 'O', [ORGANIZATIONAL_UNIT]: 'OU', [COMMON_NAME]: 'CN' };
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2051-01-01T00:00:00Z');

type NameParts = ReadonlyArray<readonly [string, string]>;

function peculiarName(parts: NameParts): Name {
  return new Name(
    parts.map(
      ([type, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type, value: new AttributeValue(type === COUNTRY ? { printableString: value } : { utf8String: value }) }),
        ]),
    ),
  );
}

const ecdsaWithSha256 = (): AlgorithmIdentifier => new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;
function p256PublicKey(privateKey: Uint8Array): Uint8Array {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return new Uint8Array(ecdh.getPublicKey());
}
const subjectOf = (certificate: Uint8Array): Name => AsnConvert.parse(certificate, Certificate).tbsCertificate.subject;

function extension(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** What a certificate from attestation.ts issueCertificate is meant to say. */
interface Intended {
  readonly serial: Uint8Array;
  readonly issuer: Name;
  readonly subject: NameParts;
  readonly subjectPublicKey: Uint8Array;
  readonly isCa: boolean;
  /** After basic constraints and key usage. */
  readonly extensions: readonly Extension[];
}

function intendedTbs(intended: Intended): ArrayBuffer {
  const keyUsage = intended.isCa ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: arrayBuffer(intended.serial),
    signature: ecdsaWithSha256(),
    issuer: intended.issuer,
    validity: new Validity({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
    subject: peculiarName(intended.subject),
    subjectPublicKeyInfo: new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: EC_PUBLIC_KEY, parameters: AsnObjectIdentifierConverter.toASN(PRIME256V1).toBER() }),
      subjectPublicKey: arrayBuffer(intended.subjectPublicKey),
    }),
    extensions: new Extensions([
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: intended.isCa })),
      extension(id_ce_keyUsage, true, new KeyUsage(keyUsage)),
      ...intended.extensions,
    ]),
  });
  return AsnConvert.serialize(tbs);
}

/** Both oracles on one certificate: @peculiar's bytes and meaning, OpenSSL's parse and signature check. */
function crossCheck(certificate: Uint8Array, intended: Intended, issuerCertificate: Uint8Array): X509Certificate {
  const parsed = AsnConvert.parse(certificate, Certificate);
  // asn1js cannot write back the hex text it read for the KEM key extension's UUID arc (it would write the OID 2.25).
  for (const each of parsed.tbsCertificate.extensions ?? []) each.extnID = decimalArcs(each.extnID);
  expect(hex(AsnConvert.serialize(parsed))).toBe(hex(certificate));
  expect(hex(parsed.tbsCertificateRaw!)).toBe(hex(intendedTbs(intended)));
  expect(parsed.signatureAlgorithm.algorithm).toBe(ECDSA_WITH_SHA256);
  expect(hex(certificateSubject(certificate))).toBe(hex(AsnConvert.serialize(parsed.tbsCertificate.subject)));

  const x509 = new X509Certificate(certificate);
  expect(x509.verify(new X509Certificate(issuerCertificate).publicKey)).toBe(true);
  expect(x509.ca).toBe(intended.isCa);
  expect(x509.serialNumber.toLowerCase()).toBe(hex(intended.serial));
  expect([new Date(x509.validFrom), new Date(x509.validTo)]).toEqual([NOT_BEFORE, NOT_AFTER]);
  expect(x509.subject).toBe(intended.subject.map(([type, value]) => `${ATTRIBUTE_NAMES[type]}=${value}`).join('\n'));
  return x509;
}

const ROOT_SUBJECT: NameParts = [
  [COUNTRY, 'US'],
  [ORGANIZATION, 'hkey virtual keys'],
  [COMMON_NAME, 'hkey simulator attestation root'],
];
const BATCH_SUBJECT: NameParts = [
  [COUNTRY, 'US'],
  [ORGANIZATION, 'hkey virtual keys'],
  [ORGANIZATIONAL_UNIT, 'Authenticator Attestation'],
  [COMMON_NAME, 'hkey virtual Hideez Key 4 batch 1'],
];

function intendedBatch(ca: AttestationCa, batchPrivateKey: Uint8Array): Intended {
  return {
    serial: Uint8Array.of(2),
    issuer: subjectOf(ca.certificate),
    subject: BATCH_SUBJECT,
    subjectPublicKey: p256PublicKey(batchPrivateKey),
    isCa: false,
    extensions: [extension(FIDO_AAGUID, false, new OctetString(Buffer.from(VIRTUAL_KEY_AAGUID.replace(/-/g, ''), 'hex')))],
  };
}

/** A batch certificate as a key presents it, with the batch private key it certifies. */
interface Batch {
  readonly privateKey: Uint8Array;
  readonly certificate: Uint8Array;
  readonly root: Uint8Array;
}

async function batchOf(identity: AttestationIdentity): Promise<Batch> {
  return { privateKey: identity.privateKey, certificate: (await identity.certificates())[0]!, root: await identity.root() };
}

let dir: string;
let rootCa: AttestationCa;
let defaultBatch: Batch;
/** A team CA as OpenSSL makes one: SKI/AKI extensions, a multi-valued RDN, and a Name long enough for long-form lengths. */
let teamCa: AttestationCa;
/** A version 1 CA certificate (no [0] version field, no extensions), which OpenSSL's req no longer writes. */
let v1Ca: AttestationCa;

function makeV1Ca(): AttestationCa {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = peculiarName([
    [COUNTRY, 'NL'],
    [ORGANIZATION, 'a team with an old CA'],
    [COMMON_NAME, 'version 1 test CA'],
  ]);
  const tbsCertificate = new TBSCertificate({
    serialNumber: arrayBuffer(Uint8Array.of(0x4a, 0x11)),
    signature: ecdsaWithSha256(),
    issuer: name,
    validity: new Validity({ notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
  });
  const signature = sign('sha256', new Uint8Array(AsnConvert.serialize(tbsCertificate)), privateKey);
  const certificate = new Certificate({ tbsCertificate, signatureAlgorithm: ecdsaWithSha256(), signatureValue: arrayBuffer(signature) });
  const { d } = privateKey.export({ format: 'jwk' });
  return { certificate: new Uint8Array(AsnConvert.serialize(certificate)), privateKey: new Uint8Array(Buffer.from(d!, 'base64url')) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hkey-der-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'ca.key')]);
  const subject = '/C=DE/O=Example Team GmbH/OU=Quality Assurance+CN=example team attestation CA/L=a locality that makes the Name longer';
  const extension = 'basicConstraints=critical,CA:TRUE';
  openssl(['req', '-x509', '-new', '-key', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '30', '-subj', subject, '-addext', extension]);
  teamCa = await loadAttestationCa(dir);
  v1Ca = makeV1Ca();
  rootCa = await simulatorRootCa();
  defaultBatch = await batchOf(defaultAttestationIdentity());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certificates, against @peculiar/asn1-x509 and node:crypto', () => {
  test('the simulator root: self-signed CA', () => {
    const intended = { serial: Uint8Array.of(1), subject: ROOT_SUBJECT, subjectPublicKey: p256PublicKey(rootCa.privateKey), isCa: true, extensions: [] };
    const x509 = crossCheck(rootCa.certificate, { ...intended, issuer: peculiarName(ROOT_SUBJECT) }, rootCa.certificate);
    expect(x509.issuer).toBe(x509.subject);
  });

  test('the default batch certificate, under the simulator root, with the AAGUID', () => {
    expect(hex(defaultBatch.root)).toBe(hex(rootCa.certificate));
    const x509 = crossCheck(defaultBatch.certificate, intendedBatch(rootCa, defaultBatch.privateKey), rootCa.certificate);
    expect(x509.issuer).toBe('C=US\nO=hkey virtual keys\nCN=hkey simulator attestation root');
  });

  test("batch certificates under a team's OpenSSL CA and under a version 1 CA", async () => {
    for (const ca of [teamCa, v1Ca]) {
      const batch = await batchOf(attestationIdentity(ca));
      expect(hex(batch.root)).toBe(hex(ca.certificate));
      const x509 = crossCheck(batch.certificate, intendedBatch(ca, batch.privateKey), ca.certificate);
      expect(x509.issuer).toBe(new X509Certificate(ca.certificate).subject);
    }
  });

  test('device identity certificates carry the serial, the signing key and the KEM key in its UUID-OID extension', async () => {
    expect(KEM_KEY_EXTENSION_OID).toMatch(/^2\.25\.\d{30,}$/);
    const cases = [
      { seed: new Uint8Array(32).fill(7), serial: 'HK4-0000-0001', manufacturer: rootCa },
      { seed: new Uint8Array(32).fill(0xc3), serial: 'HK4-TEAM-4242', manufacturer: teamCa },
    ];
    for (const { seed, serial, manufacturer } of cases) {
      const identity = await deriveKeyIdentity(seed, serial, manufacturer);
      expect(hex(identity.certificates[1]!)).toBe(hex(manufacturer.certificate));
      expect(hex(identity.signing.publicKey)).toBe(hex(p256PublicKey(identity.signing.privateKey)));
      // docs/protocol.md §10.2: the serial number is the first 16 bytes of SHA-256(signing key), made positive.
      const serialNumber = createHash('sha256').update(identity.signing.publicKey).digest().subarray(0, 16);
      serialNumber[0] = serialNumber[0]! & 0x7f || 0x01;
      const device = identity.certificates[0]!;
      crossCheck(
        device,
        {
          serial: serialNumber,
          issuer: subjectOf(manufacturer.certificate),
          subject: [
            [COUNTRY, 'US'],
            [ORGANIZATION, 'hkey virtual keys'],
            [ORGANIZATIONAL_UNIT, 'Key Identity'],
            [COMMON_NAME, serial],
          ],
          subjectPublicKey: identity.signing.publicKey,
          isCa: false,
          extensions: [extension(KEM_KEY_EXTENSION_OID, false, new OctetString(identity.kem.publicKey))],
        },
        manufacturer.certificate,
      );
      const extensions = AsnConvert.parse(device, Certificate).tbsCertificate.extensions!;
      expect(extensions.map((each) => decimalArcs(each.extnID))).toEqual([id_ce_basicConstraints, id_ce_keyUsage, KEM_KEY_EXTENSION_OID]);
    }
  });
});

describe('certificateSubject', () => {
  test("is the subject @peculiar re-serializes, for OpenSSL's v3 and a v1 certificate too", () => {
    for (const certificate of [teamCa.certificate, v1Ca.certificate, rootCa.certificate]) {
      expect(hex(certificateSubject(certificate))).toBe(hex(AsnConvert.serialize(subjectOf(certificate))));
    }
    // The v1 certificate's TBSCertificate starts with the serial number (INTEGER), not [0] version.
    const tbs = new Uint8Array(AsnConvert.parse(v1Ca.certificate, Certificate).tbsCertificateRaw!);
    expect(tbs[tbs[1]! & 0x80 ? 2 + (tbs[1]! & 0x7f) : 2]).toBe(0x02);
    expect(new X509Certificate(v1Ca.certificate).verify(new X509Certificate(v1Ca.certificate).publicKey)).toBe(true);
  });

  test('a mutated or cut certificate gives bytes or a RangeError, nothing else', () => {
    const certificates = [rootCa.certificate, defaultBatch.certificate, teamCa.certificate, v1Ca.certificate];
    // Most of what certificateSubject reads (tags and lengths) is in the first 250 bytes.
    const edit = fc.record({ index: fc.oneof(fc.nat(250), fc.nat(1000)), value: fc.integer({ min: 0, max: 255 }) });
    const mutated = fc.tuple(fc.constantFrom(...certificates), fc.array(edit, { maxLength: 4 }), fc.option(fc.nat(800))).map(([certificate, edits, cut]) => {
      const bytes = certificate.slice(0, cut ?? certificate.length);
      for (const { index, value } of edits) if (bytes.length > 0) bytes[index % bytes.length] = value;
      return bytes;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 40 })), (bytes) => {
        try {
          expect(certificateSubject(bytes)).toBeInstanceOf(Uint8Array);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('DER types, against @peculiar/asn1-schema', () => {
  /** Dotted OIDs with arcs from `arc`, but the second arc of `2.` (which DER adds 80 to) from `secondArcOf2`. */
  const oids = (arc: fc.Arbitrary<bigint>, secondArcOf2: fc.Arbitrary<bigint>): fc.Arbitrary<string> =>
    fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 8 })).map((arcs) => arcs.flat().join('.')),
      fc.tuple(secondArcOf2, fc.array(arc, { maxLength: 8 })).map(([second, rest]) => ['2', second, ...rest].join('.')),
      arc.map((uuid) => `2.25.${uuid}`),
    );

  test('OBJECT IDENTIFIER: arcs beyond 2^53 too (UUIDs under 2.25), as @peculiar writes them', () => {
    // asn1js holds an arc of up to 8 base-128 digits as a JS number and writes one of at most 7 (pvutils utilToBase),
    // so it is exact below 2^49 and, keeping the digits, from 2^56 up; OpenSSL covers the arcs between (next test).
    const exactArc = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 49n) - 1n }), fc.bigInt({ min: 1n << 56n, max: 1n << 130n }));
    const dotted = oids(exactArc, fc.bigInt({ min: 0n, max: (1n << 49n) - 81n }));
    fc.assert(
      fc.property(dotted, (oid) => {
        expect(hex(objectIdentifier(oid))).toBe(hex(AsnObjectIdentifierConverter.toASN(oid).toBER()));
      }),
    );
  });

  test('OBJECT IDENTIFIER: any arcs, as OpenSSL writes them', () => {
    const arc = fc.oneof(fc.bigInt({ min: 0n, max: 1n << 20n }), fc.bigInt({ min: 1n << 48n, max: 1n << 57n }), fc.bigInt({ min: 0n, max: 1n << 130n }));
    const sample = fc.sample(oids(arc, arc), 300);
    const config = ['asn1=SEQUENCE:oids', '[oids]', ...sample.map((oid, index) => `oid${index}=OID:${oid}`)].join('\n');
    writeFileSync(join(dir, 'oids.cnf'), `${config}\n`);
    openssl(['asn1parse', '-genconf', join(dir, 'oids.cnf'), '-noout', '-out', join(dir, 'oids.der')]);
    expect(hex(sequence(...sample.map(objectIdentifier)))).toBe(hex(readFileSync(join(dir, 'oids.der'))));
  });

  test('Time: UTCTime through 2049, GeneralizedTime from 2050, whole seconds', () => {
    const boundaries = fc.constantFrom(
      ...['1950-01-01T00:00:00Z', '2049-12-31T23:59:59.999Z', '2050-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'].map((iso) => new Date(iso)),
    );
    const dates = fc.oneof(boundaries, fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }));
    fc.assert(
      fc.property(dates, (date) => {
        const encoded = time(date);
        expect(encoded[0]).toBe(date.getUTCFullYear() < 2050 ? 0x17 : 0x18);
        expect(hex(encoded)).toBe(hex(AsnConvert.serialize(new Time(date))));
      }),
    );
  });

  test('lengths: short form below 128, long form up to 70000 bytes of contents', () => {
    const lengths = fc.oneof(fc.constantFrom(0, 1, 127, 128, 255, 256, 65535, 65536, 70000), fc.integer({ min: 0, max: 70000 }));
    fc.assert(
      fc.property(lengths, (length) => {
        const contents = Uint8Array.from({ length }, (_, index) => index * 31);
        expect(hex(octetString(contents))).toBe(hex(AsnConvert.serialize(new OctetString(contents))));
      }),
      { numRuns: 60 },
    );
  });

  test('INTEGER from minimal contents', () => {
    const minimal = (value: bigint): Uint8Array => {
      const digits = value.toString(16);
      const bytes = Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex');
      return bytes[0]! & 0x80 ? Uint8Array.of(0, ...bytes) : new Uint8Array(bytes);
    };
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 256n }), (value) => {
        expect(hex(integer(minimal(value)))).toBe(hex(AsnIntegerBigIntConverter.toASN(value).toBER()));
      }),
    );
  });

  test('BIT STRING of whole bytes, and named bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(hex(bitString(bytes))).toBe(hex(AsnConvert.serialize(new BitString(bytes))));
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 52 }), { minLength: 1 }), (bits) => {
        const flags = bits.reduce((sum, bit) => sum + 2 ** bit, 0);
        expect(hex(namedBits(bits))).toBe(hex(AsnConvert.serialize(new BitString(flags))));
      }),
    );
  });

  test('UTF8String and PrintableString', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), (text) => {
        expect(hex(utf8String(text))).toBe(hex(AsnUtf8StringConverter.toASN(text).toBER()));
      }),
    );
    const printable = fc.string({ unit: fc.constantFrom(..."ABCXYZabcxyz0189 '()+,-./:=?"), maxLength: 80 });
    fc.assert(
      fc.property(printable, (text) => {
        expect(hex(printableString(text))).toBe(hex(AsnPrintableStringConverter.toASN(text).toBER()));
      }),
    );
  });
});
