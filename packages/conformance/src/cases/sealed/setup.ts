/**
 * Every sealed case starts from a READY key (Wipe when it is anything else, with a 10-second hold) and, when it
 * needs one, enrolls a fresh issuer of its own with a button press (§10.3); afterwards it wipes again, so the key
 * ends READY, without issuer, PIN or accounts, as a destructive case may leave it.
 */
import type { SealedItem } from '@hkey/protocol';
import { check, toHex } from '../../checks.js';
import type { CaseContext } from '../../runner/case-context.js';
import type { HkpSession } from '../../session/hkp-session.js';
import { wipe } from '../support/pin-and-wipe.js';
import { type VerifiedIdentity, verifiedIdentity } from './identity.js';
import { SuiteIssuer } from './issuer.js';

export interface SealedCase {
  readonly session: HkpSession;
  readonly key: VerifiedIdentity;
  readonly issuer: SuiteIssuer;
  /** The key's clock when the case enrolled its issuer, Unix seconds. */
  readonly now: number;
  /** An AccountCreate item for this key: the operation most refusals are tried with, as its effect is easy to see. */
  account(sequence: number, label: string): Promise<SealedItem>;
}

/** A session without the PIN: Wipe needs none, and a locked or suspended key refuses VerifyPin (§10.6). */
export async function unverifiedSession(ctx: CaseContext): Promise<HkpSession> {
  const known = ctx.pin;
  ctx.pin = { kind: 'none' };
  try {
    return await ctx.session();
  } finally {
    ctx.pin = known;
  }
}

export async function isPristine(session: HkpSession): Promise<boolean> {
  const identity = await session.ok('GetIdentity', {});
  const info = await session.ok('GetInfo', {});
  return identity.lifecycle === 'READY' && identity.issuerId === undefined && info.pinState === 'NOT_SET' && info.accountCount === 0;
}

/** A READY key without PIN or accounts, wiped again after the case. */
export async function readyKeyForCase(ctx: CaseContext): Promise<HkpSession> {
  const session = await unverifiedSession(ctx);
  if (!(await isPristine(session))) await wipe(ctx, session);
  ctx.onCleanup(async () => {
    const cleaner = await unverifiedSession(ctx);
    if (!(await isPristine(cleaner))) await wipe(ctx, cleaner);
  });
  return session;
}

/** Enrolls `issuer` with a press and checks the key is then ACTIVE under it with sequence 0 (§10.3). */
export async function enroll(session: HkpSession, issuer: SuiteIssuer): Promise<void> {
  const enrolled = await session.ok('EnrollIssuer', { issuerPublicKey: issuer.publicKey }, { presence: { kind: 'press' } });
  check(toHex(enrolled.issuerId, '') === toHex(issuer.id, ''), 'EnrollIssuer answering the issuer id SHA-256(public key)[0..16]', () =>
    toHex(enrolled.issuerId, ''),
  );
  const identity = await session.ok('GetIdentity', {});
  check(
    identity.lifecycle === 'ACTIVE' && identity.sequence === 0 && identity.issuerId !== undefined && toHex(identity.issuerId, '') === toHex(issuer.id, ''),
    'GetIdentity after enrollment: ACTIVE, the issuer id, sequence 0',
    () => `${identity.lifecycle}, issuer ${identity.issuerId ? toHex(identity.issuerId, '') : 'none'}, sequence ${String(identity.sequence)}`,
  );
}

/** A READY key whose identity checks out, enrolled to a fresh issuer of the case's own. */
export async function enrolledKeyForCase(ctx: CaseContext): Promise<SealedCase> {
  const session = await readyKeyForCase(ctx);
  const key = await verifiedIdentity(session);
  const now = Number((await session.ok('GetInfo', {})).time);
  const issuer = await SuiteIssuer.create(now);
  await enroll(session, issuer);
  return {
    session,
    key,
    issuer,
    now,
    account: (sequence, label) => issuer.seal(key, sequence, 'AccountCreate', { name: ctx.name(label) }),
  };
}
