/**
 * Sealed provisioning on the virtual key (docs/protocol.md §10): identity and certificate, issuer enrollment with
 * presence and handover, every check of ApplySealed in its order with a receipt for each item, lifecycle rules,
 * the issuer's PIN policy, and power cuts during apply.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  type SealedOperationName,
  concatBytes,
  decodeReceipt,
  decodeResponse,
  encodeCbor,
  encodeRequest,
  encodeMap,
  encodeSealedOperation,
  issuerIdOf,
  itemHashOf,
  p256KeyPair,
  sealItem,
  sealedItemParams,
  signHandover,
  statusName,
  verifyReceipt,
  SealedOperationSchemas,
} from '@hkey/protocol';
import { Button, MemoryStore, VirtualKey, autoApprove, seededRandom, simulatorRootCa } from '@hkey/firmware-sim';
import { type Harness, START_MS, harness } from './harness.js';

const ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x21));
const OTHER_ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x22));
const NOW = Math.floor(START_MS / 1000);
const SECRET = new TextEncoder().encode('12345678901234567890');

interface Identity {
  kemPublicKey: Uint8Array;
  signingPublicKey: Uint8Array;
}

async function enrolled(store?: MemoryStore): Promise<Harness & { identity: Identity }> {
  const h = await harness({ presence: autoApprove, store });
  await h.ok('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey });
  const identity = await h.ok('GetIdentity', {});
  return { ...h, identity };
}

async function sealFor(
  identity: Identity,
  sequence: number,
  operation: SealedOperationName,
  params: Record<string, unknown>,
  overrides: { serial?: string; notAfter?: number; issuer?: typeof ISSUER } = {},
) {
  const schema = SealedOperationSchemas[operation];
  return sealItem({
    issuer: overrides.issuer ?? ISSUER,
    recipient: { serial: overrides.serial ?? 'HK-SIM-000001', kemPublicKey: identity.kemPublicKey },
    sequence,
    notAfter: overrides.notAfter ?? NOW + 3600,
    created: NOW,
    plaintext: encodeSealedOperation({ operation, params: encodeMap(schema, params as never) }),
  });
}

async function apply(h: Harness & { identity: Identity }, item: Awaited<ReturnType<typeof sealFor>>) {
  const params = sealedItemParams(item);
  const result = await h.ok('ApplySealed', {
    header: params.get(1) as Uint8Array,
    enc: params.get(2) as Uint8Array,
    ciphertext: params.get(3) as Uint8Array[],
    signature: params.get(4) as Uint8Array,
  });
  const receipt = await verifyReceipt({ receipt: result.receipt, signature: result.signature }, h.identity.signingPublicKey);
  expect(receipt.itemHash).toEqual(itemHashOf(item));
  return { ...receipt, statusName: statusName(receipt.status) };
}

const createGitHub = { name: 'GitHub', otp: { secret: SECRET, kind: 'TOTP' } };

describe('identity', () => {
  test('GetIdentity: the device certificate names the serial, certifies the signing key, carries the KEM key, chains to the root', async () => {
    const h = await harness({ presence: autoApprove });
    const identity = await h.ok('GetIdentity', {});
    expect(identity.lifecycle).toBe('READY');
    const [device, root] = identity.certificates.map((chunks) => new X509Certificate(Buffer.from(concatBytes(...chunks))));
    expect(device?.subject).toContain('CN=HK-SIM-000001');
    expect(device?.verify((root as X509Certificate).publicKey)).toBe(true);
    expect(Buffer.from(root?.raw ?? [])).toEqual(Buffer.from((await simulatorRootCa()).certificate));
    const spki = device?.publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    expect(Buffer.from(spki.x, 'base64url')).toEqual(Buffer.from(identity.signingPublicKey.subarray(1, 33)));
    expect(Buffer.from(device?.raw ?? []).includes(Buffer.from(identity.kemPublicKey))).toBe(true);
  });

  test('the identity survives a power cycle and a Wipe; a second key has its own', async () => {
    const h = await harness({ presence: autoApprove });
    const first = await h.ok('GetIdentity', {});
    await h.key.powerCycle();
    const session = h.key.openSession('virtual');
    await h.ok('Wipe', {}, session);
    expect(await h.ok('GetIdentity', {}, session)).toEqual(first);
    const other = await VirtualKey.start({ random: seededRandom(8), presence: autoApprove });
    const response = await other.openSession('virtual').handle(encodeRequest('GetIdentity', {}));
    const otherIdentity = decodeResponse('GetIdentity', response ?? new Uint8Array());
    expect(otherIdentity.ok && otherIdentity.result.kemPublicKey).not.toEqual(first.kemPublicKey);
  });
});

describe('issuer enrollment', () => {
  test('needs a button press on a Ready key, then the key is Active', async () => {
    const button = new Button();
    const h = await harness({ presence: button });
    const waiting = () => h.key.events.waitFor((event) => event.type === 'presence' && event.state === 'waiting', { afterSeq: h.key.events.lastSeq });
    let asked = waiting();
    const pending = h.call('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey });
    await asked;
    expect(button.deny()).toBe(true);
    expect((await pending).status).toBe('USER_PRESENCE_DENIED');
    expect((await h.ok('GetInfo', {})).lifecycle).toBe('READY');
    asked = waiting();
    const again = h.call('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey });
    await asked;
    expect(button.press()).toBe(true);
    expect(await again).toMatchObject({ ok: true, result: { issuerId: issuerIdOf(ISSUER.publicKey) } });
    expect((await h.ok('GetIdentity', {})).lifecycle).toBe('ACTIVE');
  });

  test('another issuer needs the enrolled issuer\u2019s handover signature; a Wipe frees the key', async () => {
    const h = await enrolled();
    expect((await h.call('EnrollIssuer', { issuerPublicKey: OTHER_ISSUER.publicKey })).status).toBe('ISSUER_MISMATCH');
    const forged = await signHandover('HK-SIM-000001', OTHER_ISSUER.publicKey, OTHER_ISSUER.privateKey);
    expect((await h.call('EnrollIssuer', { issuerPublicKey: OTHER_ISSUER.publicKey, handoverSignature: forged })).status).toBe('ISSUER_MISMATCH');
    const handover = await signHandover('HK-SIM-000001', OTHER_ISSUER.publicKey, ISSUER.privateKey);
    expect((await h.ok('EnrollIssuer', { issuerPublicKey: OTHER_ISSUER.publicKey, handoverSignature: handover })).issuerId).toEqual(
      issuerIdOf(OTHER_ISSUER.publicKey),
    );
    await h.ok('Wipe', {});
    expect(await h.ok('GetIdentity', {})).toMatchObject({ lifecycle: 'READY' });
    expect((await h.ok('GetIdentity', {})).issuerId).toBeUndefined();
  });

  test('a public key that is not a P-256 point is INVALID_PARAMETER', async () => {
    const h = await harness({ presence: autoApprove });
    expect((await h.call('EnrollIssuer', { issuerPublicKey: new Uint8Array(65).fill(4) })).status).toBe('INVALID_PARAMETER');
  });
});

describe('ApplySealed', () => {
  test('applies items in order with signed receipts; the account works and its secret never left the issuer in clear', async () => {
    const h = await enrolled();
    const first = await apply(h, await sealFor(h.identity, 1, 'AccountCreate', createGitHub));
    expect(first).toMatchObject({ statusName: 'OK', sequence: 1, serial: 'HK-SIM-000001', accountId: 1 });
    expect(first.issuerId).toEqual(issuerIdOf(ISSUER.publicKey));
    const second = await apply(h, await sealFor(h.identity, 2, 'AccountUpdate', { id: 1, login: 'octocat' }));
    expect(second).toMatchObject({ statusName: 'OK', accountId: 1 });
    expect(await h.ok('AccountGet', { id: 1 })).toMatchObject({ name: 'GitHub', login: 'octocat' });
    expect((await h.ok('GetOtp', { id: 1 })).code).toMatch(/^\d{6}$/);
    expect((await h.ok('GetIdentity', {})).sequence).toBe(2);
  });

  test.each([
    ['SEALED_WRONG_KEY', async (identity: Identity) => sealFor(identity, 1, 'Lock', {}, { serial: 'HK-SIM-999999' })],
    ['SEALED_WRONG_ISSUER', async (identity: Identity) => sealFor(identity, 1, 'Lock', {}, { issuer: OTHER_ISSUER })],
    ['SEALED_EXPIRED', async (identity: Identity) => sealFor(identity, 1, 'Lock', {}, { notAfter: NOW - 1 })],
    ['SEALED_OUT_OF_ORDER', async (identity: Identity) => sealFor(identity, 2, 'Lock', {})],
    ['SEALED_BAD_SIGNATURE', async (identity: Identity) => ({ ...(await sealFor(identity, 1, 'Lock', {})), signature: new Uint8Array(64).fill(1) })],
    [
      'SEALED_BAD_SIGNATURE',
      async (identity: Identity) => {
        const item = await sealFor(identity, 1, 'Lock', {});
        const ciphertext = item.ciphertext.slice();
        ciphertext[0] = (ciphertext[0] as number) ^ 1;
        return { ...item, ciphertext };
      },
    ],
  ])('%s: refused with a signed receipt, nothing changes, and the right item still applies after', async (expected, make) => {
    const h = await enrolled();
    const before = h.key.state;
    expect((await apply(h, await make(h.identity))).statusName).toBe(expected);
    expect(h.key.state).toEqual(before);
    expect((await apply(h, await sealFor(h.identity, 1, 'AccountCreate', createGitHub))).statusName).toBe('OK');
  });

  test('a replay is SEALED_REPLAY and applies nothing twice', async () => {
    const h = await enrolled();
    const item = await sealFor(h.identity, 1, 'AccountCreate', createGitHub);
    expect((await apply(h, item)).statusName).toBe('OK');
    const after = h.key.state;
    expect((await apply(h, item)).statusName).toBe('SEALED_REPLAY');
    expect(h.key.state).toEqual(after);
  });

  test('an item for an unenrolled key is SEALED_WRONG_ISSUER', async () => {
    const h = await harness({ presence: autoApprove });
    const identity = await h.ok('GetIdentity', {});
    expect((await apply({ ...h, identity }, await sealFor(identity, 1, 'Lock', {}))).statusName).toBe('SEALED_WRONG_ISSUER');
  });

  test('an authentic item whose operation fails consumes its sequence and reports the operation status', async () => {
    const h = await enrolled();
    await apply(h, await sealFor(h.identity, 1, 'AccountCreate', createGitHub));
    expect((await apply(h, await sealFor(h.identity, 2, 'AccountCreate', createGitHub))).statusName).toBe('ACCOUNT_NAME_TAKEN');
    expect((await apply(h, await sealFor(h.identity, 3, 'AccountDelete', { id: 9 }))).statusName).toBe('ACCOUNT_NOT_FOUND');
    expect((await h.ok('GetIdentity', {})).sequence).toBe(3);
  });

  test('a flash write failure applies nothing and consumes nothing: the same item applies later', async () => {
    const h = await enrolled();
    const item = await sealFor(h.identity, 1, 'AccountCreate', createGitHub);
    h.key.flashFaults.schedule(1, 'write-error');
    expect((await apply(h, item)).statusName).toBe('STORAGE_FAILURE');
    expect((await h.ok('GetIdentity', {})).sequence).toBe(0);
    expect((await apply(h, item)).statusName).toBe('OK');
  });

  test.each(['power-cut-before-commit', 'power-cut-after-commit'] as const)(
    '%s during apply: the account and the sequence land together or not at all',
    async (fault) => {
      const store = new MemoryStore();
      const h = await enrolled(store);
      const item = await sealFor(h.identity, 1, 'AccountCreate', createGitHub);
      h.key.flashFaults.schedule(1, fault);
      const params = sealedItemParams(item);
      expect(await h.session.handle(concatBytes(Uint8Array.of(0x09), encodeCbor(params)))).toBeUndefined();
      const state = await store.load();
      const landed = fault === 'power-cut-after-commit';
      expect(state?.accounts.length).toBe(landed ? 1 : 0);
      expect(state?.provisioning?.issuer?.sequence).toBe(landed ? 1 : 0);
      const session = h.key.openSession('virtual');
      const result = await h.ok(
        'ApplySealed',
        {
          header: item.header,
          enc: item.enc,
          ciphertext: params.get(3) as Uint8Array[],
          signature: item.signature,
        },
        session,
      );
      expect(statusName(decodeReceipt(result.receipt).status)).toBe(landed ? 'SEALED_REPLAY' : 'OK');
      expect(h.key.state.accounts).toHaveLength(1);
    },
  );
});

describe('lifecycle', () => {
  test('Lock and Suspend stop the accounts; Resume brings them back; a retired key only identifies itself and wipes', async () => {
    const h = await enrolled();
    await apply(h, await sealFor(h.identity, 1, 'AccountCreate', createGitHub));
    expect((await apply(h, await sealFor(h.identity, 2, 'Suspend', {}))).statusName).toBe('OK');
    expect((await h.call('GetOtp', { id: 1 })).status).toBe('LIFECYCLE_FORBIDS');
    expect((await h.ok('GetInfo', {})).lifecycle).toBe('SUSPENDED');
    expect((await apply(h, await sealFor(h.identity, 3, 'AccountDelete', { id: 1 }))).statusName).toBe('LIFECYCLE_FORBIDS');
    expect((await apply(h, await sealFor(h.identity, 4, 'Resume', {}))).statusName).toBe('OK');
    expect((await h.call('GetOtp', { id: 1 })).ok).toBe(true);
    expect((await apply(h, await sealFor(h.identity, 5, 'Wipe', {}))).statusName).toBe('OK');
    expect((await h.ok('GetInfo', {})).lifecycle).toBe('DEACTIVATED');
    expect(h.key.state.accounts).toHaveLength(0);
    expect((await h.call('AccountList', {})).status).toBe('LIFECYCLE_FORBIDS');
    expect((await apply(h, await sealFor(h.identity, 6, 'Resume', {}))).statusName).toBe('LIFECYCLE_FORBIDS');
    await h.ok('Wipe', {});
    expect((await h.ok('GetInfo', {})).lifecycle).toBe('READY');
  });

  test('Compromise is terminal until a physical wipe', async () => {
    const h = await enrolled();
    expect((await apply(h, await sealFor(h.identity, 1, 'Compromise', {}))).statusName).toBe('OK');
    expect((await h.call('SetPin', { pin: '123456' })).status).toBe('LIFECYCLE_FORBIDS');
    expect((await h.call('EnrollIssuer', { issuerPublicKey: OTHER_ISSUER.publicKey })).status).toBe('LIFECYCLE_FORBIDS');
  });
});

describe('PIN policy', () => {
  test('min length and tries apply to the next PIN; an expired PIN must be changed', async () => {
    const h = await enrolled();
    expect((await apply(h, await sealFor(h.identity, 1, 'PinPolicy', { minLength: 6, maxTries: 5, expiryDays: 30 }))).statusName).toBe('OK');
    expect((await h.call('SetPin', { pin: '1234' })).status).toBe('PIN_POLICY_VIOLATION');
    await h.ok('SetPin', { pin: '123456', maxRetries: 10 });
    expect((await h.ok('GetInfo', {})).pinMaxRetries).toBe(5);
    await h.ok('Lock', {});
    h.clock.advance(31 * 86_400_000);
    expect((await h.call('VerifyPin', { pin: '123456' })).status).toBe('PIN_EXPIRED');
    expect((await h.ok('GetInfo', {})).pinRetries).toBe(5);
    expect((await h.call('AccountList', {})).status).toBe('PIN_REQUIRED');
    await h.ok('ChangePin', { currentPin: '123456', newPin: '654321' });
    await h.ok('Lock', {});
    expect((await h.ok('VerifyPin', { pin: '654321' })).retries).toBe(5);
  });
});
