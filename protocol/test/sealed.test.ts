/**
 * Sealed items and receipts (docs/design/sealed-provisioning.md): round trips, every tampering caught by the
 * check that owns it, strict decoding, and an independent RFC 9180 opener (node:crypto + @noble primitives,
 * written here from the RFC) that decrypts what @hpke/core sealed.
 */
import { createDecipheriv, createECDH, createHash, createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { p256 } from '@noble/curves/nist.js';
import {
  HPKE_INFO,
  type SealedItem,
  SealedError,
  concatBytes,
  decodeCbor,
  decodeReceipt,
  decodeSealedHeader,
  decodeSealedOperation,
  deriveKemKeyPair,
  encodeCbor,
  encodeSealedHeader,
  encodeSealedOperation,
  issuerIdOf,
  itemHashOf,
  openSealedItem,
  p256KeyPair,
  readSealedItemParams,
  sealItem,
  sealedItemParams,
  signReceipt,
  verifyItemSignature,
  verifyReceipt,
} from '@hkey/protocol';

const ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x11));
const OTHER_ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x22));
const KEY_SIGNING = await p256KeyPair(new Uint8Array(32).fill(0x33));
const KEM = await deriveKemKeyPair(new Uint8Array(32).fill(0x44));
const OTHER_KEM = await deriveKemKeyPair(new Uint8Array(32).fill(0x55));
const PLAINTEXT = encodeSealedOperation({ operation: 'AccountCreate', params: new Map([[1, 'GitHub']]) });

function seal(overrides: Partial<Parameters<typeof sealItem>[0]> = {}): Promise<SealedItem> {
  return sealItem({
    issuer: ISSUER,
    recipient: { serial: 'HK-SIM-000001', kemPublicKey: KEM.publicKey },
    sequence: 1,
    notAfter: 2_000_000_000,
    created: 1_800_000_000,
    plaintext: PLAINTEXT,
    ...overrides,
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SealedError);
    return (error as SealedError).code;
  }
  return 'accepted';
}

/** RFC 5869 HKDF from HMAC-SHA-256, so the opener below shares no code with @hpke/core or @noble. */
const hkdfExtract = (salt: Buffer, ikm: Buffer): Buffer =>
  createHmac('sha256', salt.length === 0 ? Buffer.alloc(32) : salt)
    .update(ikm)
    .digest();
function hkdfExpand(prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < length; i++) {
    previous = createHmac('sha256', prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RFC 9180 §4.1, §5.1, §5.2 base mode Open for DHKEM(P-256, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM. */
function independentOpen(privateKey: Uint8Array, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Buffer {
  const ascii = (text: string) => Buffer.from(text, 'ascii');
  const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
  const labeledExtract = (suite: Buffer, salt: Buffer, label: string, ikm: Buffer) =>
    hkdfExtract(salt, Buffer.concat([ascii('HPKE-v1'), suite, ascii(label), ikm]));
  const labeledExpand = (suite: Buffer, prk: Buffer, label: string, info: Buffer, length: number) =>
    hkdfExpand(prk, Buffer.concat([u16(length), ascii('HPKE-v1'), suite, ascii(label), info]), length);
  const kemSuite = Buffer.concat([ascii('KEM'), u16(0x10)]);
  const hpkeSuite = Buffer.concat([ascii('HPKE'), u16(0x10), u16(1), u16(1)]);
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey));
  const dh = ecdh.computeSecret(Buffer.from(enc));
  const kemContext = Buffer.concat([Buffer.from(enc), ecdh.getPublicKey()]);
  const sharedSecret = labeledExpand(kemSuite, labeledExtract(kemSuite, Buffer.alloc(0), 'eae_prk', dh), 'shared_secret', kemContext, 32);
  const pskIdHash = labeledExtract(hpkeSuite, Buffer.alloc(0), 'psk_id_hash', Buffer.alloc(0));
  const infoHash = labeledExtract(hpkeSuite, Buffer.alloc(0), 'info_hash', Buffer.from(info));
  const context = Buffer.concat([Buffer.from([0]), pskIdHash, infoHash]);
  const secret = labeledExtract(hpkeSuite, sharedSecret, 'secret', Buffer.alloc(0));
  const decipher = createDecipheriv(
    'aes-128-gcm',
    labeledExpand(hpkeSuite, secret, 'key', context, 16),
    labeledExpand(hpkeSuite, secret, 'base_nonce', context, 12),
  );
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(ciphertext.subarray(ciphertext.length - 16)));
  return Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
}

describe('sealed items', () => {
  test('the key opens what the issuer sealed, and an independent RFC 9180 opener agrees', async () => {
    const item = await seal();
    expect(await verifyItemSignature(item, ISSUER.publicKey)).toBe(true);
    expect(await openSealedItem(item, KEM)).toEqual(PLAINTEXT);
    expect(new Uint8Array(independentOpen(KEM.privateKey, item.enc, HPKE_INFO, item.header, item.ciphertext))).toEqual(PLAINTEXT);
    expect(decodeSealedOperation(await openSealedItem(item, KEM))).toEqual({ operation: 'AccountCreate', params: new Map([[1, 'GitHub']]) });
  });

  test('the header binds issuer, serial, key, sequence and expiry', async () => {
    const header = decodeSealedHeader((await seal({ sequence: 7 })).header);
    expect(header).toEqual({
      issuerId: issuerIdOf(ISSUER.publicKey),
      serial: 'HK-SIM-000001',
      kemKeyHash: new Uint8Array(createHash('sha256').update(KEM.publicKey).digest()),
      sequence: 7,
      notAfter: 2_000_000_000,
      created: 1_800_000_000,
    });
  });

  test('a fixed ephemeral seed makes the item reproducible (test vectors), a random one does not', async () => {
    const seed = new Uint8Array(32).fill(0x66);
    expect(await seal({ ephemeralSeed: seed })).toEqual(await seal({ ephemeralSeed: seed }));
    expect((await seal()).enc).not.toEqual((await seal()).enc);
  });

  test('travels as ApplySealed parameters within HKP limits and comes back the same', async () => {
    const item = await seal({
      plaintext: encodeSealedOperation({
        operation: 'AccountCreate',
        params: new Map([
          [1, 'x'.repeat(64)],
          [3, 'p'.repeat(128)],
        ]),
      }),
    });
    const wire = encodeCbor(sealedItemParams(item));
    const params = decodeCbor(wire) as Map<number, never>;
    expect(readSealedItemParams(params).item).toEqual(item);
  });

  test.each([
    ['header', (item: SealedItem) => ({ ...item, header: flip(item.header, 3) })],
    ['enc', (item: SealedItem) => ({ ...item, enc: flip(item.enc, 10) })],
    ['ciphertext', (item: SealedItem) => ({ ...item, ciphertext: flip(item.ciphertext, 0) })],
    ['signature', (item: SealedItem) => ({ ...item, signature: flip(item.signature, 5) })],
  ])('a changed %s breaks the issuer signature', async (_, tamper) => {
    expect(await verifyItemSignature(tamper(await seal()), ISSUER.publicKey)).toBe(false);
  });

  test('another issuer signature does not verify, nor does anything under a malformed key', async () => {
    const item = await seal();
    expect(await verifyItemSignature(item, OTHER_ISSUER.publicKey)).toBe(false);
    expect(await verifyItemSignature(item, new Uint8Array(65))).toBe(false);
  });

  test('changed ciphertext or header, or another key, fail to open with SEALED_BAD_CIPHERTEXT', async () => {
    const item = await seal();
    expect(await refusal(openSealedItem({ ...item, ciphertext: flip(item.ciphertext, 4) }, KEM))).toBe('SEALED_BAD_CIPHERTEXT');
    expect(await refusal(openSealedItem({ ...item, header: encodeSealedHeader({ ...decodeSealedHeader(item.header), sequence: 2 }) }, KEM))).toBe(
      'SEALED_BAD_CIPHERTEXT',
    );
    expect(await refusal(openSealedItem(item, OTHER_KEM))).toBe('SEALED_BAD_CIPHERTEXT');
  });

  test('strict decoding: unknown members, wrong sizes and non-canonical bytes are SEALED_MALFORMED', async () => {
    const item = await seal();
    const params = sealedItemParams(item);
    const withExtra = new Map([...params, [9, 1]]);
    expect(() => readSealedItemParams(withExtra)).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
    expect(() => readSealedItemParams(new Map([...params, [2, new Uint8Array(64)]]))).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
    expect(() => readSealedItemParams(new Map([...params, [3, []]]))).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
    expect(() => decodeSealedHeader(Uint8Array.from([0xa1, 0x01, 0x18, 0x01]))).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
    expect(() => decodeSealedHeader(encodeCbor(new Map([[1, 2]])))).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
    expect(() =>
      decodeSealedOperation(
        encodeCbor(
          new Map<number, number | Map<number, number>>([
            [1, 99],
            [2, new Map()],
          ]),
        ),
      ),
    ).toThrow(expect.objectContaining({ code: 'SEALED_MALFORMED' }));
  });

  test('property: any byte string is decoded to a header or refused with SealedError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeSealedHeader(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(SealedError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('property: headers round-trip', () => {
    fc.assert(
      fc.property(
        fc.record({
          issuerId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
          serial: fc.string({ minLength: 1, maxLength: 32 }),
          kemKeyHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          sequence: fc.integer({ min: 1, max: 2 ** 40 }),
          notAfter: fc.integer({ min: 0, max: 2 ** 40 }),
          created: fc.integer({ min: 0, max: 2 ** 40 }),
        }),
        (header) => {
          expect(decodeSealedHeader(encodeSealedHeader(header))).toEqual(header);
        },
      ),
    );
  });
});

describe('HPKE and signatures against independent implementations', () => {
  const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer;

  test('DeriveKeyPair gives the key pair @hpke/core derives from the same input', async () => {
    for (const fill of [0x00, 0x44, 0xff]) {
      const ikm = new Uint8Array(32).fill(fill);
      const theirs = await suite.kem.deriveKeyPair(buffer(ikm));
      const ours = await deriveKemKeyPair(ikm);
      expect(ours.publicKey).toEqual(new Uint8Array(await suite.kem.serializePublicKey(theirs.publicKey)));
      expect(ours.privateKey).toEqual(new Uint8Array(await suite.kem.serializePrivateKey(theirs.privateKey)));
    }
  });

  test('@hpke/core opens what the key-side seal made, and the key opens what @hpke/core sealed', async () => {
    const item = await seal();
    const recipient = await suite.createRecipientContext({
      recipientKey: await suite.kem.deserializePrivateKey(buffer(KEM.privateKey)),
      enc: buffer(item.enc),
      info: buffer(HPKE_INFO),
    });
    expect(new Uint8Array(await recipient.open(buffer(item.ciphertext), buffer(item.header)))).toEqual(PLAINTEXT);

    const sender = await suite.createSenderContext({
      recipientPublicKey: await suite.kem.deserializePublicKey(buffer(KEM.publicKey)),
      info: buffer(HPKE_INFO),
    });
    const ciphertext = new Uint8Array(await sender.seal(buffer(PLAINTEXT), buffer(item.header)));
    expect(await openSealedItem({ ...item, enc: new Uint8Array(sender.enc), ciphertext }, KEM)).toEqual(PLAINTEXT);
  });

  test('batch signatures (WebCrypto, randomized) are low-S and verify with @noble; the high-S twin is refused', async () => {
    const item = await seal();
    const body = concatBytes(Uint8Array.of(item.header.length >> 8, item.header.length & 0xff), item.header, item.enc, item.ciphertext);
    const message = concatBytes(new TextEncoder().encode('hkey sealed item v1'), body);
    expect(p256.verify(item.signature, message, ISSUER.publicKey, { prehash: true, lowS: true })).toBe(true);
    const order = p256.Point.CURVE().n;
    const s = BigInt(`0x${Buffer.from(item.signature.subarray(32)).toString('hex')}`);
    const highS = item.signature.slice();
    highS.set(Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex'), 32);
    expect(p256.verify(highS, message, ISSUER.publicKey, { prehash: true, lowS: false })).toBe(true);
    expect(await verifyItemSignature({ ...item, signature: highS }, ISSUER.publicKey)).toBe(false);
  });
});

describe('receipts', () => {
  test('a key-signed receipt verifies and names the item by hash', async () => {
    const item = await seal();
    const receipt = {
      serial: 'HK-SIM-000001',
      issuerId: issuerIdOf(ISSUER.publicKey),
      sequence: 1,
      status: 0,
      accountId: 3,
      itemHash: itemHashOf(item),
      time: 1_800_000_100,
    };
    const signed = await signReceipt(receipt, KEY_SIGNING.privateKey);
    expect(await verifyReceipt(signed, KEY_SIGNING.publicKey)).toEqual(receipt);
    expect(decodeReceipt(signed.receipt)).toEqual(receipt);
  });

  test('a forged or altered receipt is RECEIPT_BAD_SIGNATURE', async () => {
    const receipt = { serial: 'HK-SIM-000001', issuerId: new Uint8Array(16), sequence: 1, status: 0, itemHash: new Uint8Array(32), time: 0 };
    const signed = await signReceipt(receipt, KEY_SIGNING.privateKey);
    await expect(verifyReceipt(signed, ISSUER.publicKey)).rejects.toMatchObject({ code: 'RECEIPT_BAD_SIGNATURE' });
    await expect(verifyReceipt({ ...signed, receipt: flip(signed.receipt, 2) }, KEY_SIGNING.publicKey)).rejects.toMatchObject({
      code: 'RECEIPT_BAD_SIGNATURE',
    });
  });
});

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ 0x01;
  return copy;
}
