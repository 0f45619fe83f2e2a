/**
 * Sends sealed items and checks every receipt (docs/protocol.md §10.5) against the signing key the device
 * certificate certifies, with node:crypto: signature, low S, serial, item hash. Refusals are checked to leave the
 * key as it was.
 */
import { verify } from 'node:crypto';
import {
  type Receipt,
  type SealedItem,
  SealedError,
  Status,
  type StatusName,
  concatBytes,
  decodeReceipt,
  decodeSealedHeader,
  statusName,
} from '@hkey/protocol';
import { byteName, check, describeBytes, fail, sameBytes, toHex } from '../../checks.js';
import type { HkpSession } from '../../session/hkp-session.js';
import type { VerifiedIdentity } from './identity.js';
import { applyParams, isLowS, itemBody, sha256 } from './issuer.js';

const RECEIPT_LABEL = new TextEncoder().encode('hkey receipt v1');

export interface CheckedReceipt extends Receipt {
  readonly statusName: string;
}

function describeStatus(status: number): string {
  return `${statusName(status) ?? 'an undefined status'} (${byteName(status)})`;
}

/** ApplySealed, then every check an issuer makes on the receipt. */
export async function applyItem(session: HkpSession, key: VerifiedIdentity, item: SealedItem): Promise<CheckedReceipt> {
  const answer = await session.ok('ApplySealed', applyParams(item));
  const signed = concatBytes(RECEIPT_LABEL, answer.receipt);
  const verifies = verify('sha256', signed, { key: key.certifiedKey, dsaEncoding: 'ieee-p1363' }, answer.signature);
  check(verifies, "a receipt signed by the signing key of the key's device certificate (§10.5)", () => 'the signature does not verify');
  check(isLowS(answer.signature), 'a receipt signature with low S (§10.1)', () => `s above n/2: ${describeBytes(answer.signature.subarray(32))}`);
  let receipt: Receipt;
  try {
    receipt = decodeReceipt(answer.receipt);
  } catch (error) {
    if (error instanceof SealedError) fail('a receipt map as §10.5 defines it', `${error.message} in ${describeBytes(answer.receipt)}`);
    throw error;
  }
  check(receipt.serial === key.serial, `the receipt naming the key's serial ${key.serial}`, () => receipt.serial);
  const itemHash = sha256(itemBody(item));
  check(sameBytes(receipt.itemHash, itemHash), 'the receipt item hash SHA-256(u16(length of header) || header || enc || ciphertext)', () =>
    toHex(receipt.itemHash, ''),
  );
  return { ...receipt, statusName: statusName(receipt.status) ?? byteName(receipt.status) };
}

/** The item's header, if it decodes: what the receipt's issuerId and sequence come from. */
function headerOf(item: SealedItem): { issuerId: Uint8Array; sequence: number } {
  try {
    return decodeSealedHeader(item.header);
  } catch {
    return { issuerId: new Uint8Array(16), sequence: 0 };
  }
}

function checkOutcome(receipt: CheckedReceipt, item: SealedItem, status: StatusName, what: string): void {
  check(
    receipt.status === Status[status],
    `${what}: a receipt with status ${status} (${byteName(Status[status])})`,
    () => `status ${describeStatus(receipt.status)}`,
  );
  const header = headerOf(item);
  check(
    receipt.sequence === header.sequence && sameBytes(receipt.issuerId, header.issuerId),
    `${what}: the receipt's issuer id and sequence those of the header (sequence ${header.sequence}, §10.5)`,
    () => `sequence ${receipt.sequence}, issuer ${toHex(receipt.issuerId, '')}`,
  );
}

/** Applies an item that must apply: status 0 in a valid receipt. */
export async function expectApplied(session: HkpSession, key: VerifiedIdentity, item: SealedItem, what = 'the item'): Promise<CheckedReceipt> {
  const receipt = await applyItem(session, key, item);
  checkOutcome(receipt, item, 'OK', what);
  return receipt;
}

/** What a refused item must leave as it was: lifecycle, issuer, sequence, accounts, storage and PIN. */
export async function keySnapshot(session: HkpSession): Promise<string> {
  const identity = await session.ok('GetIdentity', {});
  const info = await session.ok('GetInfo', {});
  return JSON.stringify({
    lifecycle: identity.lifecycle,
    issuerId: identity.issuerId && toHex(identity.issuerId, ''),
    sequence: identity.sequence,
    accountCount: info.accountCount,
    storageFree: info.storageFree,
    pinState: info.pinState,
    pinMaxRetries: info.pinMaxRetries,
  });
}

/** The last sequence the key applied (GetIdentity, §10.2). */
export async function lastSequence(session: HkpSession): Promise<number | undefined> {
  return (await session.ok('GetIdentity', {})).sequence;
}

/**
 * An item the checks of §10.4.4 must refuse with `status`, in a valid receipt, the key unchanged; or, for an
 * authentic item in order whose operation cannot apply, only its sequence consumed.
 */
export async function expectRefused(
  session: HkpSession,
  key: VerifiedIdentity,
  item: SealedItem,
  status: StatusName,
  what: string,
  outcome: 'unchanged' | 'consumed' = 'unchanged',
): Promise<CheckedReceipt> {
  const before = await keySnapshot(session);
  const sequenceBefore = await lastSequence(session);
  const receipt = await applyItem(session, key, item);
  checkOutcome(receipt, item, status, what);
  if (outcome === 'unchanged') {
    const after = await keySnapshot(session);
    check(after === before, `${what}: the key unchanged (§10.4.4)`, () => `before ${before}, after ${after}`);
  } else {
    const sequence = await lastSequence(session);
    const expected = headerOf(item).sequence;
    check(
      sequence === expected,
      `${what}: its sequence ${expected} consumed (§10.4.4)`,
      () => `the key's sequence ${String(sequence)} (was ${String(sequenceBefore)})`,
    );
  }
  return receipt;
}
