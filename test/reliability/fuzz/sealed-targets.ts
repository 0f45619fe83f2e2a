/**
 * ApplySealed sequences on a VirtualKey against the model (sealed-model.ts): an issuer seals operations in order,
 * and a relay delivers them, drops them, sends them again or late, alters one part of them (with or without the
 * issuer signing the altered bytes), or brings items for another key, of another issuer, expired or not an
 * operation; the clock moves, the key is wiped and enrolled again. After every item the receipt must verify under
 * the key's signing key and say what the model says, and the key's state must be the model's. A case is one item.
 */
import fc from 'fast-check';
import { p256 } from '@noble/curves/nist.js';
import {
  type RequestOf,
  type SealedHeader,
  type SealedItem,
  SealedOperationSchemas,
  concatBytes,
  decodeResponse,
  decodeSealedHeader,
  encodeMap,
  encodeRequest,
  encodeSealedOperation,
  issuerIdOf,
  itemHashOf,
  keyHashOf,
  p256KeyPair,
  sealItem,
  statusName,
  verifyReceipt,
} from '@hkey/protocol';
import { type KeySession, ManualClock, MemoryStore, VirtualKey, autoApprove, seededRandom } from '@hkey/firmware-sim';
import { checkAsync } from './budget.js';
import { fail, hex } from './oracle.js';
import { type ItemFacts, type ModelOperation, SealedKeyModel } from './sealed-model.js';

const START_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
const ISSUER = await p256KeyPair(new Uint8Array(32).fill(0x31));
const STRANGER = await p256KeyPair(new Uint8Array(32).fill(0x32));
const OTHER_KEM_KEY = (await p256KeyPair(new Uint8Array(32).fill(0x33))).publicKey;
const ITEM_LABEL = new TextEncoder().encode('hkey sealed item v1');
const LIFETIME_SECONDS = 10_000_000;

const operation: fc.Arbitrary<ModelOperation> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('a', 'b', 'c', 'd').map((account) => ({ name: 'AccountCreate' as const, account })) },
  { weight: 3, arbitrary: fc.record({ name: fc.constant('AccountUpdate' as const), id: fc.integer({ min: 1, max: 5 }), login: fc.constantFrom('x', 'yy') }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constant('AccountDelete' as const), id: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      name: fc.constant('PinPolicy' as const),
      minLength: fc.integer({ min: 4, max: 8 }),
      maxTries: fc.integer({ min: 3, max: 10 }),
      expiryDays: fc.integer({ min: 0, max: 3650 }),
    }),
  },
  { weight: 4, arbitrary: fc.constantFrom('Lock', 'Suspend', 'Resume', 'Resume').map((name) => ({ name }) as ModelOperation) },
  { weight: 1, arbitrary: fc.constantFrom('Wipe', 'Compromise').map((name) => ({ name }) as ModelOperation) },
);

type Part = 'header' | 'enc' | 'ciphertext' | 'signature';
type Step =
  /** The issuer seals its next item; the relay delivers it, or drops it for now. */
  | { readonly kind: 'next'; readonly operation: ModelOperation; readonly drop: boolean }
  /** The relay sends an item the issuer sealed before: a replay, a dropped one late, one out of order. */
  | { readonly kind: 'again'; readonly pick: number }
  | { readonly kind: 'tamper'; readonly pick: number; readonly part: Part; readonly at: number; readonly resign: boolean }
  | {
      readonly kind: 'odd';
      readonly variant: 'other serial' | 'other KEM key' | 'other issuer' | 'expired' | 'not an operation';
      readonly operation: ModelOperation;
    }
  | { readonly kind: 'clock'; readonly seconds: number }
  | { readonly kind: 'wipe' }
  | { readonly kind: 'enroll' };

const pick = fc.integer({ min: 0, max: 0xffff });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('next' as const), operation, drop: fc.integer({ min: 0, max: 9 }).map((draw) => draw < 2) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('again' as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('tamper' as const),
      pick,
      part: fc.constantFrom<Part>('header', 'enc', 'ciphertext', 'signature'),
      at: fc.integer({ min: 0, max: 0xffff }),
      resign: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('odd' as const),
      variant: fc.constantFrom('other serial', 'other KEM key', 'other issuer', 'expired', 'not an operation'),
      operation,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), seconds: fc.integer({ min: 1, max: 900 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'wipe' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'enroll' as const }) },
);

function plaintextOf(operation: ModelOperation): Uint8Array {
  const { name, ...rest } = operation;
  const params = name === 'AccountCreate' ? { name: (rest as { account: string }).account } : name === 'PinPolicy' || name.startsWith('Account') ? rest : {};
  return encodeSealedOperation({ operation: name, params: encodeMap(SealedOperationSchemas[name], params as never) });
}

function signed(item: SealedItem, privateKey: Uint8Array): SealedItem {
  const body = concatBytes(Uint8Array.of(item.header.length >> 8, item.header.length & 0xff), item.header, item.enc, item.ciphertext);
  return { ...item, signature: p256.sign(concatBytes(ITEM_LABEL, body), privateKey, { prehash: true, lowS: true }) };
}

function decodedHeader(bytes: Uint8Array): SealedHeader | undefined {
  try {
    return decodeSealedHeader(bytes);
  } catch {
    return undefined;
  }
}

interface Sealed {
  readonly item: SealedItem;
  readonly facts: ItemFacts;
}

class Run {
  readonly model: SealedKeyModel;
  /** Every item the issuer sealed for this key, in order; re-enrollment starts the issuer's count again. */
  readonly sealed: Sealed[] = [];
  private nextSequence = 1;

  private constructor(
    readonly key: VirtualKey,
    readonly session: KeySession,
    readonly clock: ManualClock,
    readonly identity: { readonly serial: string; readonly kemPublicKey: Uint8Array; readonly signingPublicKey: Uint8Array },
  ) {
    this.model = new SealedKeyModel(identity.serial, keyHashOf(identity.kemPublicKey));
  }

  static async start(seed: number): Promise<Run> {
    const clock = new ManualClock(START_MS);
    const key = await VirtualKey.start({ store: new MemoryStore(), clock, presence: autoApprove, random: seededRandom(seed) });
    const session = key.openSession('virtual');
    const response = decodeResponse('GetIdentity', (await session.handle(encodeRequest('GetIdentity', {}))) ?? new Uint8Array());
    if (!response.ok) fail('GetIdentity failed');
    return new Run(key, session, clock, response.result);
  }

  now(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  async seal(operation: ModelOperation | undefined, options: { serial?: string; kem?: Uint8Array; issuer?: typeof ISSUER; notAfter?: number } = {}) {
    const issuer = options.issuer ?? ISSUER;
    // Only this issuer's items for this key take a place in its order; another key's have their own count.
    const counted = issuer === ISSUER && options.serial === undefined && options.kem === undefined;
    const item = await sealItem({
      issuer,
      recipient: { serial: options.serial ?? this.identity.serial, kemPublicKey: options.kem ?? this.identity.kemPublicKey },
      sequence: counted ? this.nextSequence : 1,
      notAfter: options.notAfter ?? this.now() + LIFETIME_SECONDS,
      created: this.now(),
      plaintext: operation === undefined ? Uint8Array.of(0xa1, 0x01, 0x18, 0x63) : plaintextOf(operation),
    });
    const facts: ItemFacts = { header: decodeSealedHeader(item.header), signatureValid: issuer === ISSUER, decrypts: options.kem === undefined, operation };
    if (counted) this.nextSequence++;
    return { item, facts };
  }

  async send({ item, facts }: Sealed): Promise<void> {
    const expected = this.model.apply(facts, this.now());
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < item.ciphertext.length; offset += 256) chunks.push(item.ciphertext.subarray(offset, offset + 256));
    const params: RequestOf<'ApplySealed'> = { header: item.header, enc: item.enc, ciphertext: chunks, signature: item.signature };
    const response = decodeResponse('ApplySealed', (await this.session.handle(encodeRequest('ApplySealed', params))) ?? new Uint8Array());
    if (!response.ok) fail(`ApplySealed answered ${response.status}, not a receipt`);
    const receipt = await verifyReceipt(response.result, this.identity.signingPublicKey);
    sealedStatusesSeen.add(receipt.status);
    const seen = statusName(receipt.status);
    if (seen !== expected.status) fail(`receipt status ${seen ?? receipt.status}, the model says ${expected.status}`);
    if (receipt.accountId !== expected.accountId) fail(`receipt account ${receipt.accountId}, the model says ${expected.accountId}`);
    const header = facts.header;
    if (receipt.sequence !== (header?.sequence ?? 0) || hex(receipt.issuerId) !== hex(header?.issuerId ?? new Uint8Array(16))) {
      fail("the receipt's sequence or issuer is not the header's");
    }
    if (hex(receipt.itemHash) !== hex(itemHashOf(item)) || receipt.time !== this.now() || receipt.serial !== this.identity.serial) {
      fail("the receipt's item hash, time or serial is wrong");
    }
    this.compare(`after ${expected.status}`);
  }

  /** The key's state, as far as sealed provisioning changes it, must be the model's. */
  compare(when: string): void {
    const state = this.key.state;
    const provisioning = state.provisioning;
    const issuer = provisioning?.issuer;
    const seen = JSON.stringify({
      lifecycle: provisioning?.lifecycle ?? 'READY',
      issuer: issuer && [hex(issuerIdOf(issuer.publicKey)), issuer.sequence],
      pinPolicy: provisioning?.pinPolicy,
      accounts: state.accounts.map((account) => [account.id, account.name, account.login]),
      lastId: state.lastId,
    });
    const model = this.model;
    const expected = JSON.stringify({
      lifecycle: model.lifecycle,
      issuer: model.issuer && [hex(model.issuer.id), model.issuer.sequence],
      pinPolicy: model.pinPolicy,
      accounts: [...model.accounts.entries()].sort(([a], [b]) => a - b).map(([id, account]) => [id, account.name, account.login]),
      lastId: model.lastId,
    });
    if (seen !== expected) fail(`${when}: the key's state ${seen} is not the model's ${expected}`);
  }

  async command<N extends 'Wipe' | 'EnrollIssuer'>(command: N, params: RequestOf<N>): Promise<string> {
    const response = decodeResponse(command, (await this.session.handle(encodeRequest(command, params))) ?? new Uint8Array());
    return response.ok ? 'OK' : response.status;
  }

  restartCount(): void {
    this.nextSequence = 1;
  }
}

function tampered(sealed: Sealed, part: Part, at: number, resign: boolean): Sealed {
  const bytes = sealed.item[part].slice();
  const index = at % bytes.length;
  bytes[index] = (bytes[index] as number) ^ (1 << (at % 8));
  const item = { ...sealed.item, [part]: bytes };
  if (part === 'signature') return { item, facts: { ...sealed.facts, signatureValid: false } };
  const header = part === 'header' ? decodedHeader(bytes) : sealed.facts.header;
  // Re-signed, the bytes are the issuer's again, but HPKE still sees the change (the header is its aad).
  return resign
    ? { item: signed(item, ISSUER.privateKey), facts: { ...sealed.facts, header, decrypts: false } }
    : { item, facts: { ...sealed.facts, header, signatureValid: false } };
}

async function play(run: Run, steps: readonly Step[], counter: { items: number }): Promise<void> {
  const enrolled = await run.command('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey });
  if (enrolled !== run.model.enroll(issuerIdOf(ISSUER.publicKey))) fail(`EnrollIssuer answered ${enrolled}`);
  for (const current of steps) {
    switch (current.kind) {
      case 'next': {
        const sealed = await run.seal(current.operation);
        run.sealed.push(sealed);
        if (current.drop) continue;
        await run.send(sealed);
        break;
      }
      case 'again': {
        const sealed = run.sealed[current.pick % Math.max(run.sealed.length, 1)];
        if (sealed === undefined) continue;
        await run.send(sealed);
        break;
      }
      case 'tamper': {
        let sealed = run.sealed[current.pick % Math.max(run.sealed.length, 1)];
        if (sealed === undefined) {
          sealed = await run.seal({ name: 'Lock' });
          run.sealed.push(sealed);
        }
        await run.send(tampered(sealed, current.part, current.at, current.resign));
        break;
      }
      case 'odd': {
        const sealed = await (current.variant === 'other serial'
          ? run.seal(current.operation, { serial: 'HK-SIM-999999' })
          : current.variant === 'other KEM key'
            ? run.seal(current.operation, { kem: OTHER_KEM_KEY })
            : current.variant === 'other issuer'
              ? run.seal(current.operation, { issuer: STRANGER })
              : current.variant === 'expired'
                ? run.seal(current.operation, { notAfter: run.now() - 1 })
                : run.seal(undefined));
        if (current.variant === 'expired' || current.variant === 'not an operation') run.sealed.push(sealed);
        await run.send(sealed);
        break;
      }
      case 'clock':
        run.clock.advance(current.seconds * 1000);
        continue;
      case 'wipe': {
        const status = await run.command('Wipe', {});
        if (status !== 'OK') fail(`Wipe answered ${status}`);
        run.model.wipe();
        run.compare('after Wipe');
        continue;
      }
      case 'enroll': {
        const wasReady = run.model.lifecycle === 'READY';
        const expected = run.model.enroll(issuerIdOf(ISSUER.publicKey));
        const status = await run.command('EnrollIssuer', { issuerPublicKey: ISSUER.publicKey });
        if (status !== expected) fail(`EnrollIssuer answered ${status}, the model says ${expected}`);
        // A newly enrolled issuer starts its count again; its earlier items stay in the relay's hands.
        if (wasReady && status === 'OK') run.restartCount();
        run.compare('after EnrollIssuer');
        continue;
      }
    }
    counter.items++;
  }
}

/** The receipt statuses the runs reached: the note of the target's report line. */
export const sealedStatusesSeen = new Set<number>();

/** Steps per run, on average: each run pays for a key start and an enrollment. */
const AVERAGE_ITEMS = 14;

export async function fuzzApplySealedSequences(cases: number): Promise<number> {
  const counter = { items: 0 };
  await checkAsync(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 0x7fff_ffff }),
      fc.array(step, { minLength: AVERAGE_ITEMS, maxLength: 2 * AVERAGE_ITEMS, size: 'max' }),
      async (seed, steps) => {
        await play(await Run.start(seed), steps, counter);
      },
    ),
    Math.ceil(cases / AVERAGE_ITEMS),
  );
  return counter.items;
}
