/**
 * Published sealed-provisioning vectors (docs/protocol.md §10): from fixed seeds (the issuer's private key, a key's
 * identity seed, each item's HPKE ephemeral seed) every byte an issuer, a relay and a key produce: the key's
 * derived key pairs, headers, plaintexts, enc, ciphertexts, issuer signatures, ApplySealed requests and the key's
 * receipts. Signatures are deterministic (RFC 6979), so a second implementation can compare them byte for byte
 * or, with its own nonces, verify them.
 */
import {
  type CborMap,
  type Receipt,
  type SealedOperationName,
  SealedOperationSchemas,
  SEALED_VERSION,
  deriveKemKeyPair,
  encodeMap,
  encodeRequest,
  encodeSealedOperation,
  hkdfSha256,
  issuerIdOf,
  itemHashOf,
  keyHashOf,
  p256KeyPair,
  p256PrivateKey,
  p256PublicKey,
  sealItem,
  sealedItemParams,
  signHandover,
  signReceipt,
} from '@hkey/protocol';
import { patternBytes, toHex } from '../checks.js';

const hex = (bytes: Uint8Array): string => toHex(bytes, '');
const NO_SALT = new Uint8Array(32);

/** The inputs: fixed, recognisable bytes. */
export const SEALED_VECTOR_INPUTS = {
  issuerPrivateKey: patternBytes(32, 0x11),
  nextIssuerPrivateKey: patternBytes(32, 0x22),
  keySeed: patternBytes(32, 0x33),
  serial: 'HK-SIM-000001',
  created: 1_790_000_000,
  notAfter: 1_790_086_400,
  /** The key's clock when it answers each item. */
  appliedAt: 1_790_000_060,
} as const;

interface ItemInput {
  readonly name: string;
  readonly sequence: number;
  readonly operation: SealedOperationName;
  readonly params: Record<string, unknown>;
  readonly ephemeralSeed: Uint8Array;
  /** What the key answers, with the account it made or changed. */
  readonly status: number;
  readonly accountId?: number;
}

const ITEMS: readonly ItemInput[] = [
  {
    name: 'AccountCreate with a TOTP secret (RFC 6238 SHA-1 secret)',
    sequence: 1,
    operation: 'AccountCreate',
    params: { name: 'github', login: 'octocat', otp: { secret: new TextEncoder().encode('12345678901234567890'), kind: 'TOTP' } },
    ephemeralSeed: patternBytes(32, 0x44),
    status: 0,
    accountId: 1,
  },
  {
    name: 'PinPolicy',
    sequence: 2,
    operation: 'PinPolicy',
    params: { minLength: 6, maxTries: 5, expiryDays: 90 },
    ephemeralSeed: patternBytes(32, 0x55),
    status: 0,
  },
  { name: 'Suspend', sequence: 3, operation: 'Suspend', params: {}, ephemeralSeed: patternBytes(32, 0x66), status: 0 },
];

/** A key's two identity key pairs from its seed (§10.2). */
export async function identityFromSeed(
  seed: Uint8Array,
): Promise<{ kem: { privateKey: Uint8Array; publicKey: Uint8Array }; signing: { privateKey: Uint8Array; publicKey: Uint8Array } }> {
  const kem = await deriveKemKeyPair(hkdfSha256(seed, NO_SALT, 'hkey identity kem v1', 32));
  const signingPrivate = p256PrivateKey(hkdfSha256(seed, NO_SALT, 'hkey identity signing v1', 48));
  return { kem, signing: { privateKey: signingPrivate, publicKey: await p256PublicKey(signingPrivate) } };
}

export async function sealedVectors() {
  const inputs = SEALED_VECTOR_INPUTS;
  const issuer = await p256KeyPair(inputs.issuerPrivateKey);
  const nextIssuer = await p256KeyPair(inputs.nextIssuerPrivateKey);
  const key = await identityFromSeed(inputs.keySeed);
  const items = [];
  for (const input of ITEMS) {
    const params: CborMap = encodeMap(SealedOperationSchemas[input.operation], input.params as never);
    const plaintext = encodeSealedOperation({ operation: input.operation, params });
    const item = await sealItem({
      issuer,
      recipient: { serial: inputs.serial, kemPublicKey: key.kem.publicKey },
      sequence: input.sequence,
      notAfter: inputs.notAfter,
      created: inputs.created,
      plaintext,
      ephemeralSeed: input.ephemeralSeed,
    });
    const receipt: Receipt = {
      serial: inputs.serial,
      issuerId: issuerIdOf(issuer.publicKey),
      sequence: input.sequence,
      status: input.status,
      ...(input.accountId !== undefined && { accountId: input.accountId }),
      itemHash: itemHashOf(item),
      time: inputs.appliedAt,
    };
    const signed = await signReceipt(receipt, key.signing.privateKey);
    const wire = sealedItemParams(item);
    items.push({
      name: input.name,
      sequence: input.sequence,
      operation: input.operation,
      ephemeralSeed: hex(input.ephemeralSeed),
      plaintext: hex(plaintext),
      header: hex(item.header),
      enc: hex(item.enc),
      ciphertext: hex(item.ciphertext),
      signature: hex(item.signature),
      applySealedRequest: hex(
        encodeRequest('ApplySealed', {
          header: wire.get(1) as Uint8Array,
          enc: wire.get(2) as Uint8Array,
          ciphertext: wire.get(3) as Uint8Array[],
          signature: wire.get(4) as Uint8Array,
        }),
      ),
      itemHash: hex(receipt.itemHash),
      receipt: {
        status: input.status,
        ...(input.accountId !== undefined && { accountId: input.accountId }),
        bytes: hex(signed.receipt),
        signature: hex(signed.signature),
      },
    });
  }
  return {
    description:
      'Sealed provisioning as docs/protocol.md §10 defines it, bytes in hex. Signatures are RFC 6979 deterministic ECDSA P-256 / SHA-256 with low S; ' +
      'an implementation with random nonces verifies them instead of comparing. HPKE: base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, ' +
      'info "hkey sealed item v1", aad = header; each item fixes its ephemeral key with DeriveKeyPair(ephemeralSeed) (RFC 9180 §7.1.3).',
    version: SEALED_VERSION,
    issuer: { privateKey: hex(issuer.privateKey), publicKey: hex(issuer.publicKey), issuerId: hex(issuerIdOf(issuer.publicKey)) },
    key: {
      serial: inputs.serial,
      seed: hex(inputs.keySeed),
      kemPrivateKey: hex(key.kem.privateKey),
      kemPublicKey: hex(key.kem.publicKey),
      kemKeyHash: hex(keyHashOf(key.kem.publicKey)),
      signingPrivateKey: hex(key.signing.privateKey),
      signingPublicKey: hex(key.signing.publicKey),
    },
    times: { created: inputs.created, notAfter: inputs.notAfter, appliedAt: inputs.appliedAt },
    items,
    handover: {
      newIssuerPrivateKey: hex(nextIssuer.privateKey),
      newIssuerPublicKey: hex(nextIssuer.publicKey),
      signature: hex(await signHandover(inputs.serial, nextIssuer.publicKey, issuer.privateKey)),
    },
  };
}
