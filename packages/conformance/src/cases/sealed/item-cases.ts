/** Sealed items (§10.4): one that applies, and each check of §10.4.4 refusing an item with its own status. */
import {
  type SealedItem,
  concatBytes,
  decodeCbor,
  decodeSealedHeader,
  encodeCbor,
  encodeSealedHeader,
  encodeSealedOperation,
  hotp,
  p256KeyPair,
} from '@hkey/protocol';
import { check, checkEqual, patternBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { restoreClockAfterCase } from '../support/clock.js';
import { verifiedIdentity } from './identity.js';
import { SuiteIssuer, highSTwin } from './issuer.js';
import { expectApplied, expectRefused, lastSequence } from './receipts.js';
import { enroll, enrolledKeyForCase, readyKeyForCase } from './setup.js';

const needs = ['presence'] as const;

function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

/** The header re-encoded with one member changed: still a valid header, another item. */
function withHeader(item: SealedItem, change: (header: ReturnType<typeof decodeSealedHeader>) => Partial<ReturnType<typeof decodeSealedHeader>>): SealedItem {
  const header = decodeSealedHeader(item.header);
  return { ...item, header: encodeSealedHeader({ ...header, ...change(header) }) };
}

/** The header's CBOR map with one member set (or added): no longer a header of §10.4.1. */
function withRawMember(item: SealedItem, key: number, value: number): SealedItem {
  const map = decodeCbor(item.header) as Map<number, unknown>;
  return { ...item, header: encodeCbor(new Map([...map, [key, value]]) as never) };
}

export const itemCases = [
  defineCase({
    id: 'SEAL-03',
    group: 'sealed',
    title: 'Items in order apply with a receipt signed by the certified key: account created with its secret, updated, deleted',
    spec: '§10.4, §10.5, §10.4.2',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer } = await enrolledKeyForCase(ctx);
      const secret = patternBytes(20, 15);
      const name = ctx.name('sealed');
      const before = Number((await session.ok('GetInfo', {})).time);
      const created = await expectApplied(session, key, await issuer.seal(key, 1, 'AccountCreate', { name, otp: { secret, kind: 'HOTP' } }));
      const after = Number((await session.ok('GetInfo', {})).time);
      check(created.time >= before && created.time <= after, `the receipt's time the device clock (${before} to ${after})`, () => String(created.time));
      const id = created.accountId;
      check(id !== undefined, 'the receipt naming the account the item created (§10.5)', () => 'no accountId');
      checkEqual((await session.ok('AccountGet', { id })).name, name, 'the sealed account’s name', JSON.stringify);
      const otp = await session.ok('GetOtp', { id });
      const counter = BigInt(otp.counter ?? -1);
      checkEqual(otp.code, hotp(secret, counter), `the HOTP code of the sealed secret at counter ${counter} (the key decrypted it)`);
      const updated = await expectApplied(session, key, await issuer.seal(key, 2, 'AccountUpdate', { id, login: 'sealed-login' }));
      checkEqual(updated.accountId, id, 'the account id in the AccountUpdate receipt');
      checkEqual((await session.ok('AccountGet', { id })).login, 'sealed-login', 'the login after the sealed AccountUpdate', JSON.stringify);
      await expectApplied(session, key, await issuer.seal(key, 3, 'AccountDelete', { id }));
      await session.expectStatus('AccountGet', { id }, 'ACCOUNT_NOT_FOUND');
      checkEqual(await lastSequence(session), 3, 'the key’s last sequence (GetIdentity)');
    },
  }),
  defineCase({
    id: 'SEAL-04',
    group: 'sealed',
    title: 'An item for another serial or another KEM key is SEALED_WRONG_KEY and changes nothing',
    spec: '§10.4.4',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, account } = await enrolledKeyForCase(ctx);
      const name = { name: ctx.name('wrong-key') };
      await expectRefused(
        session,
        key,
        await issuer.seal(key, 1, 'AccountCreate', name, { serial: `${key.serial}X` }),
        'SEALED_WRONG_KEY',
        'an item for another serial',
      );
      const otherKem = (await p256KeyPair()).publicKey;
      await expectRefused(
        session,
        key,
        await issuer.seal(key, 1, 'AccountCreate', name, { kemPublicKey: otherKem }),
        'SEALED_WRONG_KEY',
        'an item for another KEM key',
      );
      await expectApplied(session, key, await account(1, 'right-key'), 'the item for this key after them');
    },
  }),
  defineCase({
    id: 'SEAL-05',
    group: 'sealed',
    title: 'An item on a key without issuer, or of another issuer, is SEALED_WRONG_ISSUER and changes nothing',
    spec: '§10.4.4, §10.3',
    needs,
    destructive: true,
    async run(ctx) {
      const session = await readyKeyForCase(ctx);
      const key = await verifiedIdentity(session);
      const now = Number((await session.ok('GetInfo', {})).time);
      const issuer = await SuiteIssuer.create(now);
      const stranger = await SuiteIssuer.create(now);
      const item = await issuer.seal(key, 1, 'AccountCreate', { name: ctx.name('issuer') });
      await expectRefused(session, key, item, 'SEALED_WRONG_ISSUER', 'an item on a READY key');
      await enroll(session, issuer);
      const foreign = await stranger.seal(key, 1, 'AccountCreate', { name: ctx.name('stranger') });
      await expectRefused(session, key, foreign, 'SEALED_WRONG_ISSUER', 'an item of another issuer');
      await expectApplied(session, key, item, 'the enrolled issuer’s item');
    },
  }),
  defineCase({
    id: 'SEAL-06',
    group: 'sealed',
    title: 'An applied item sent again, or another item with an applied sequence, is SEALED_REPLAY and applies nothing twice',
    spec: '§10.4.4',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, account } = await enrolledKeyForCase(ctx);
      const first = await account(1, 'replayed');
      await expectApplied(session, key, first);
      await expectRefused(session, key, first, 'SEALED_REPLAY', 'the applied item again');
      await expectApplied(session, key, await account(2, 'second'));
      await expectRefused(session, key, first, 'SEALED_REPLAY', 'the first item after the second');
      await expectRefused(session, key, await account(2, 'same-sequence'), 'SEALED_REPLAY', 'another item with the applied sequence 2');
      checkEqual((await session.ok('GetInfo', {})).accountCount, 2, 'accountCount after two items and three replays');
    },
  }),
  defineCase({
    id: 'SEAL-07',
    group: 'sealed',
    title: 'An item that skips a sequence is SEALED_OUT_OF_ORDER, consumes nothing, and applies once the one before it has',
    spec: '§10.4.4',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, account } = await enrolledKeyForCase(ctx);
      await expectApplied(session, key, await account(1, 'first'));
      const third = await account(3, 'third');
      await expectRefused(session, key, third, 'SEALED_OUT_OF_ORDER', 'item 3 after item 1');
      await expectRefused(session, key, await account(1000, 'far'), 'SEALED_OUT_OF_ORDER', 'item 1000 after item 1');
      await expectApplied(session, key, await account(2, 'second'));
      await expectApplied(session, key, third, 'item 3 once item 2 applied');
      checkEqual(await lastSequence(session), 3, 'the key’s last sequence');
    },
  }),
  defineCase({
    id: 'SEAL-08',
    group: 'sealed',
    title: 'A changed ciphertext or enc is SEALED_BAD_SIGNATURE; re-signed by the issuer, SEALED_BAD_CIPHERTEXT; neither changes anything',
    spec: '§10.4.4, §10.4.3',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, account } = await enrolledKeyForCase(ctx);
      const item = await account(1, 'tampered');
      const ciphertext = { ...item, ciphertext: flipped(item.ciphertext, item.ciphertext.length - 1) };
      await expectRefused(session, key, ciphertext, 'SEALED_BAD_SIGNATURE', 'a ciphertext with one bit changed');
      await expectRefused(session, key, issuer.resign(ciphertext), 'SEALED_BAD_CIPHERTEXT', 'a changed ciphertext the issuer signed');
      const enc = { ...item, enc: flipped(item.enc, 40) };
      await expectRefused(session, key, enc, 'SEALED_BAD_SIGNATURE', 'an enc with one bit changed');
      await expectRefused(session, key, issuer.resign(enc), 'SEALED_BAD_CIPHERTEXT', 'a changed enc the issuer signed');
      await expectApplied(session, key, item, 'the item as sealed');
    },
  }),
  defineCase({
    id: 'SEAL-09',
    group: 'sealed',
    title: 'A changed header is SEALED_BAD_SIGNATURE, re-signed SEALED_BAD_CIPHERTEXT (it is the HPKE aad), not a header SEALED_MALFORMED',
    spec: '§10.4.4, §10.4.1, §10.4.3',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, account } = await enrolledKeyForCase(ctx);
      const item = await account(1, 'header');
      const later = withHeader(item, (header) => ({ created: header.created + 1 }));
      await expectRefused(session, key, later, 'SEALED_BAD_SIGNATURE', 'a header with another creation time');
      await expectRefused(session, key, issuer.resign(later), 'SEALED_BAD_CIPHERTEXT', 'a changed header the issuer signed');
      const moved = withHeader(await account(2, 'moved'), () => ({ sequence: 1 }));
      await expectRefused(session, key, issuer.resign(moved), 'SEALED_BAD_CIPHERTEXT', 'item 2 relabelled as 1 and signed');
      await expectRefused(session, key, issuer.resign(withRawMember(item, 1, 2)), 'SEALED_MALFORMED', 'a header of version 2');
      await expectRefused(session, key, issuer.resign(withRawMember(item, 8, 0)), 'SEALED_MALFORMED', 'a header with a member 8');
      const notCbor = { ...item, header: concatBytes(item.header, Uint8Array.of(0)) };
      await expectRefused(session, key, issuer.resign(notCbor), 'SEALED_MALFORMED', 'a header with a trailing byte');
      await expectApplied(session, key, item, 'the item as sealed');
    },
  }),
  defineCase({
    id: 'SEAL-10',
    group: 'sealed',
    title: 'A changed signature, its high-S twin, or another item’s signature is SEALED_BAD_SIGNATURE and changes nothing',
    spec: '§10.4.4, §10.1',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, account } = await enrolledKeyForCase(ctx);
      const item = await account(1, 'signed');
      const other = await account(1, 'other');
      await expectRefused(session, key, { ...item, signature: flipped(item.signature, 5) }, 'SEALED_BAD_SIGNATURE', 'r with one bit changed');
      await expectRefused(session, key, { ...item, signature: flipped(item.signature, 63) }, 'SEALED_BAD_SIGNATURE', 's with one bit changed');
      await expectRefused(session, key, { ...item, signature: highSTwin(item.signature) }, 'SEALED_BAD_SIGNATURE', 'the signature with high S');
      await expectRefused(session, key, { ...item, signature: other.signature }, 'SEALED_BAD_SIGNATURE', 'the signature of another item');
      await expectRefused(session, key, { ...item, signature: new Uint8Array(64) }, 'SEALED_BAD_SIGNATURE', 'a signature of zeros');
      await expectApplied(session, key, item, 'the item as signed');
    },
  }),
  defineCase({
    id: 'SEAL-11',
    group: 'sealed',
    title: 'An item whose notAfter is before the device clock is SEALED_EXPIRED and changes nothing',
    spec: '§10.4.4, §10.4.1',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, now } = await enrolledKeyForCase(ctx);
      const name = (label: string) => ({ name: ctx.name(label) });
      await expectRefused(
        session,
        key,
        await issuer.seal(key, 1, 'AccountCreate', name('expired'), { notAfter: now - 1 }),
        'SEALED_EXPIRED',
        'an item expired a second ago',
      );
      const soon = await issuer.seal(key, 1, 'AccountCreate', name('soon'), { notAfter: now + 120 });
      await restoreClockAfterCase(ctx, session);
      await session.ok('SetTime', { time: now + 180 });
      await expectRefused(session, key, soon, 'SEALED_EXPIRED', 'an item whose notAfter the clock passed');
      await session.ok('SetTime', { time: now + 60 });
      await expectApplied(session, key, soon, 'the same item before its notAfter');
    },
  }),
  defineCase({
    id: 'SEAL-12',
    group: 'sealed',
    title: 'An authentic item in order whose operation is malformed or fails consumes its sequence with that status; the next applies',
    spec: '§10.4.4, §10.4.2',
    needs,
    destructive: true,
    async run(ctx) {
      const { session, key, issuer, account } = await enrolledKeyForCase(ctx);
      const unknown = encodeCbor(
        new Map<number, number | Map<number, number>>([
          [1, 99],
          [2, new Map()],
        ]),
      );
      await expectRefused(session, key, await issuer.sealPlaintext(key, 1, unknown), 'SEALED_MALFORMED', 'operation 99', 'consumed');
      await expectRefused(
        session,
        key,
        await issuer.sealPlaintext(key, 2, Uint8Array.of(0xff)),
        'SEALED_MALFORMED',
        'a plaintext that is not CBOR',
        'consumed',
      );
      const shortPin = encodeSealedOperation({
        operation: 'PinPolicy',
        params: new Map([
          [1, 3],
          [2, 5],
          [3, 0],
        ]),
      });
      await expectRefused(session, key, await issuer.sealPlaintext(key, 3, shortPin), 'INVALID_PARAMETER', 'a PIN policy with minLength 3', 'consumed');
      await expectRefused(session, key, await issuer.seal(key, 4, 'AccountDelete', { id: 0xfffe }), 'ACCOUNT_NOT_FOUND', 'deleting account 65534', 'consumed');
      checkEqual((await session.ok('GetInfo', {})).accountCount, 0, 'accountCount after four items that did nothing');
      await expectApplied(session, key, await account(5, 'after-failures'), 'item 5');
    },
  }),
];
