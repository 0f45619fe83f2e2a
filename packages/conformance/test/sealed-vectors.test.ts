/**
 * vectors/sealed.json checked two ways: independently of @hkey/protocol, with node:crypto alone (the key pairs
 * from the seeds, RFC 9180 DeriveKeyPair and HPKE open, every signature), and end to end against the virtual key,
 * which given the vectors' seed, issuer and clock answers the vectors' receipts byte for byte (their signatures verify). (That the file is
 * what the sources generate is checked by generated-files.test.ts.)
 */
import { createDecipheriv, createECDH, createHash, createHmac, createPublicKey, hkdfSync, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { decodeReceipt, decodeResponse, decodeSealedHeader, encodeRequest } from '@hkey/protocol';
import { ManualClock, MemoryStore, VirtualKey, autoApprove } from '@hkey/firmware-sim';

interface Vectors {
  issuer: { privateKey: string; publicKey: string; issuerId: string };
  key: { serial: string; seed: string; kemPrivateKey: string; kemPublicKey: string; kemKeyHash: string; signingPrivateKey: string; signingPublicKey: string };
  times: { created: number; notAfter: number; appliedAt: number };
  items: {
    sequence: number;
    ephemeralSeed: string;
    plaintext: string;
    header: string;
    enc: string;
    ciphertext: string;
    signature: string;
    applySealedRequest: string;
    itemHash: string;
    receipt: { status: number; accountId?: number; bytes: string; signature: string };
  }[];
  handover: { newIssuerPublicKey: string; signature: string };
}

const vectors = JSON.parse(await readFile(new URL('../vectors/sealed.json', import.meta.url), 'utf8')) as Vectors;
const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
const text = (value: string): Buffer => Buffer.from(value, 'utf8');
const u16 = (value: number): Buffer => Buffer.from([value >> 8, value & 0xff]);
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function publicKeyOf(privateKey: Buffer): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return ecdh.getPublicKey();
}

function verifies(publicKey: Buffer, message: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: publicKey.subarray(1, 33).toString('base64url'), y: publicKey.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature) && BigInt(`0x${signature.subarray(32).toString('hex')}`) <= P256_ORDER / 2n;
}

/** RFC 9180 §4 labelled HKDF, with the suite id of the KEM or of the whole HPKE suite. */
const KEM_SUITE = Buffer.concat([text('KEM'), u16(0x0010)]);
const HPKE_SUITE = Buffer.concat([text('HPKE'), u16(0x0010), u16(0x0001), u16(0x0001)]);
const extract = (salt: Buffer, ikm: Buffer): Buffer => createHmac('sha256', salt).update(ikm).digest();
function expand(prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let index = 1; Buffer.concat(blocks).length < length; index++) {
    previous = createHmac('sha256', prk)
      .update(Buffer.concat([previous, info, Buffer.from([index])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
const labeledExtract = (suite: Buffer, salt: Buffer, label: string, ikm: Buffer): Buffer =>
  extract(salt, Buffer.concat([text('HPKE-v1'), suite, text(label), ikm]));
const labeledExpand = (suite: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer =>
  expand(prk, Buffer.concat([u16(length), text('HPKE-v1'), suite, text(label), info]), length);

/** RFC 9180 §7.1.3 DeriveKeyPair for DHKEM(P-256): the private scalar. */
function deriveKemPrivateKey(ikm: Buffer): Buffer {
  const prk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'dkp_prk', ikm);
  for (let counter = 0; counter < 256; counter++) {
    const candidate = labeledExpand(KEM_SUITE, prk, 'candidate', Buffer.from([counter]), 32);
    const scalar = BigInt(`0x${candidate.toString('hex')}`);
    if (scalar !== 0n && scalar < P256_ORDER) return candidate;
  }
  throw new Error('DeriveKeyPair found no scalar');
}

/** RFC 9180 §5.1 base mode, single-shot open (sequence 0). */
function hpkeOpen(kemPrivateKey: Buffer, enc: Buffer, info: Buffer, aad: Buffer, ciphertext: Buffer): Buffer {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(kemPrivateKey);
  const dh = ecdh.computeSecret(enc);
  const eaePrk = labeledExtract(KEM_SUITE, Buffer.alloc(0), 'eae_prk', dh);
  const sharedSecret = labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', Buffer.concat([enc, ecdh.getPublicKey()]), 32);
  const context = Buffer.concat([
    Buffer.from([0]),
    labeledExtract(HPKE_SUITE, Buffer.alloc(0), 'psk_id_hash', Buffer.alloc(0)),
    labeledExtract(HPKE_SUITE, Buffer.alloc(0), 'info_hash', info),
  ]);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', Buffer.alloc(0));
  const key = labeledExpand(HPKE_SUITE, secret, 'key', context, 16);
  const nonce = labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, 12);
  const decipher = createDecipheriv('aes-128-gcm', key, nonce).setAAD(aad);
  decipher.setAuthTag(ciphertext.subarray(-16));
  return Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()]);
}

const hkdf = (ikm: Buffer, info: string, length: number): Buffer => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(32), info, length));

describe('vectors/sealed.json, checked with node:crypto alone', () => {
  test('the issuer id, and both key pairs of the key from its seed (§10.2)', () => {
    expect(publicKeyOf(bytes(vectors.issuer.privateKey)).toString('hex')).toBe(vectors.issuer.publicKey);
    expect(sha256(bytes(vectors.issuer.publicKey)).subarray(0, 16).toString('hex')).toBe(vectors.issuer.issuerId);
    const seed = bytes(vectors.key.seed);
    const kemPrivate = deriveKemPrivateKey(hkdf(seed, 'hkey identity kem v1', 32));
    expect(kemPrivate.toString('hex')).toBe(vectors.key.kemPrivateKey);
    expect(publicKeyOf(kemPrivate).toString('hex')).toBe(vectors.key.kemPublicKey);
    expect(sha256(bytes(vectors.key.kemPublicKey)).toString('hex')).toBe(vectors.key.kemKeyHash);
    // FIPS 186-5 A.2.1: 48 bytes c, d = (c mod (n - 1)) + 1.
    const c = BigInt(`0x${hkdf(seed, 'hkey identity signing v1', 48).toString('hex')}`);
    const signingPrivate = Buffer.from(((c % (P256_ORDER - 1n)) + 1n).toString(16).padStart(64, '0'), 'hex');
    expect(signingPrivate.toString('hex')).toBe(vectors.key.signingPrivateKey);
    expect(publicKeyOf(signingPrivate).toString('hex')).toBe(vectors.key.signingPublicKey);
  });

  test.each(vectors.items.map((item) => [item.sequence, item] as const))(
    'item %i: header, enc, HPKE open, issuer signature, receipt (§10.4, §10.5)',
    (sequence, item) => {
      const header = decodeSealedHeader(bytes(item.header));
      expect(header).toMatchObject({ serial: vectors.key.serial, sequence, notAfter: vectors.times.notAfter, created: vectors.times.created });
      expect(Buffer.from(header.issuerId).toString('hex')).toBe(vectors.issuer.issuerId);
      expect(Buffer.from(header.kemKeyHash).toString('hex')).toBe(vectors.key.kemKeyHash);
      expect(publicKeyOf(deriveKemPrivateKey(bytes(item.ephemeralSeed))).toString('hex')).toBe(item.enc);
      const info = text('hkey sealed item v1');
      expect(hpkeOpen(bytes(vectors.key.kemPrivateKey), bytes(item.enc), info, bytes(item.header), bytes(item.ciphertext)).toString('hex')).toBe(
        item.plaintext,
      );
      const body = Buffer.concat([u16(bytes(item.header).length), bytes(item.header), bytes(item.enc), bytes(item.ciphertext)]);
      expect(verifies(bytes(vectors.issuer.publicKey), Buffer.concat([info, body]), bytes(item.signature))).toBe(true);
      expect(sha256(body).toString('hex')).toBe(item.itemHash);
      const receipt = bytes(item.receipt.bytes);
      expect(verifies(bytes(vectors.key.signingPublicKey), Buffer.concat([text('hkey receipt v1'), receipt]), bytes(item.receipt.signature))).toBe(true);
      expect(decodeReceipt(receipt)).toMatchObject({ serial: vectors.key.serial, sequence, status: item.receipt.status, time: vectors.times.appliedAt });
      expect(Buffer.from(decodeReceipt(receipt).itemHash).toString('hex')).toBe(item.itemHash);
    },
  );

  test('the handover signature (§10.3)', () => {
    const serial = text(vectors.key.serial);
    const message = Buffer.concat([text('hkey issuer handover v1'), Buffer.from([serial.length]), serial, bytes(vectors.handover.newIssuerPublicKey)]);
    expect(verifies(bytes(vectors.issuer.publicKey), message, bytes(vectors.handover.signature))).toBe(true);
  });
});

test('a virtual key with the vectors’ seed, issuer and clock answers their ApplySealed requests with their receipts, byte for byte', async () => {
  const store = new MemoryStore();
  const clock = new ManualClock(vectors.times.appliedAt * 1000);
  const made = await VirtualKey.start({ store, clock, presence: autoApprove, identity: { serial: vectors.key.serial } });
  const first = made.openSession('virtual');
  await first.handle(encodeRequest('GetIdentity', {}));
  const state = made.state;
  await store.save({ ...state, provisioning: { ...(state.provisioning as NonNullable<typeof state.provisioning>), seed: bytes(vectors.key.seed) } });
  const key = await VirtualKey.start({ store, clock, presence: autoApprove, identity: { serial: vectors.key.serial } });
  const session = key.openSession('virtual');
  const call = async (request: Uint8Array): Promise<Uint8Array> => (await session.handle(request)) ?? new Uint8Array();
  const identity = decodeResponse('GetIdentity', await call(encodeRequest('GetIdentity', {})));
  expect(identity.ok && Buffer.from(identity.result.kemPublicKey).toString('hex')).toBe(vectors.key.kemPublicKey);
  expect(identity.ok && Buffer.from(identity.result.signingPublicKey).toString('hex')).toBe(vectors.key.signingPublicKey);
  expect(decodeResponse('EnrollIssuer', await call(encodeRequest('EnrollIssuer', { issuerPublicKey: bytes(vectors.issuer.publicKey) }))).ok).toBe(true);
  for (const item of vectors.items) {
    const answer = decodeResponse('ApplySealed', await call(bytes(item.applySealedRequest)));
    expect(answer.ok && Buffer.from(answer.result.receipt).toString('hex'), `receipt of item ${item.sequence}`).toBe(item.receipt.bytes);
    // The key signs receipts with randomized ECDSA: its signature differs from the vector's, and verifies the same way.
    expect(
      answer.ok &&
        verifies(
          bytes(vectors.key.signingPublicKey),
          Buffer.concat([text('hkey receipt v1'), Buffer.from(answer.result.receipt)]),
          Buffer.from(answer.result.signature),
        ),
      `receipt signature of item ${item.sequence}`,
    ).toBe(true);
  }
});
