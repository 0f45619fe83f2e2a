/** A key's provisioning identity and its issuer: certificate chain and KEM key (§10.2), enrollment and handover (§10.3). */
import { signHandover } from '@hkey/protocol';
import { check, sameBytes, toHex } from '../../checks.js';
import { defineCase } from '../../case.js';
import { verifiedIdentity } from './identity.js';
import { SuiteIssuer } from './issuer.js';
import { expectApplied, expectRefused } from './receipts.js';
import { enroll, readyKeyForCase } from './setup.js';

export const identityCases = [
  defineCase({
    id: 'SEAL-01',
    group: 'sealed',
    title: 'GetIdentity: a device certificate for the serial certifying the signing key, the KEM key in its extension, a chain that verifies',
    spec: '§10.2, §4.17',
    async run(ctx) {
      const session = await ctx.session();
      const first = await verifiedIdentity(session);
      const again = await verifiedIdentity(session);
      check(
        sameBytes(first.kemPublicKey, again.kemPublicKey) && sameBytes(first.signingPublicKey, again.signingPublicKey),
        'the same identity on every GetIdentity',
        () => 'other keys the second time',
      );
      ctx.note(`manufacturer root: ${first.root.subject.replace(/\n/g, ', ')}`);
    },
  }),
  defineCase({
    id: 'SEAL-02',
    group: 'sealed',
    title: 'EnrollIssuer needs a press on a READY key; another issuer needs the enrolled one’s handover, which restarts the sequence',
    spec: '§10.3, §4.18',
    needs: ['presence'],
    destructive: true,
    async run(ctx) {
      const session = await readyKeyForCase(ctx);
      const key = await verifiedIdentity(session);
      const now = Number((await session.ok('GetInfo', {})).time);
      const issuer = await SuiteIssuer.create(now);
      const successor = await SuiteIssuer.create(now);
      await session.expectStatus('EnrollIssuer', { issuerPublicKey: issuer.publicKey }, 'USER_PRESENCE_DENIED', { presence: { kind: 'deny' } });
      const denied = await session.ok('GetIdentity', {});
      check(denied.lifecycle === 'READY' && denied.issuerId === undefined, 'a denied enrollment leaving the key READY without issuer', () => denied.lifecycle);
      await enroll(session, issuer);
      await expectApplied(session, key, await issuer.seal(key, 1, 'AccountCreate', { name: ctx.name('first-issuer') }));
      const press = { presence: { kind: 'press' } } as const;
      await session.expectStatus('EnrollIssuer', { issuerPublicKey: successor.publicKey }, 'ISSUER_MISMATCH', press);
      const selfSigned = await signHandover(key.serial, successor.publicKey, successor.privateKey);
      await session.expectStatus('EnrollIssuer', { issuerPublicKey: successor.publicKey, handoverSignature: selfSigned }, 'ISSUER_MISMATCH', press);
      const otherSerial = await signHandover(`${key.serial}X`, successor.publicKey, issuer.privateKey);
      await session.expectStatus('EnrollIssuer', { issuerPublicKey: successor.publicKey, handoverSignature: otherSerial }, 'ISSUER_MISMATCH', press);
      const handover = await signHandover(key.serial, successor.publicKey, issuer.privateKey);
      await session.ok('EnrollIssuer', { issuerPublicKey: successor.publicKey, handoverSignature: handover });
      const after = await session.ok('GetIdentity', {});
      check(
        after.lifecycle === 'ACTIVE' && after.sequence === 0 && after.issuerId !== undefined && sameBytes(after.issuerId, successor.id),
        'after the handover: ACTIVE under the new issuer, sequence 0',
        () => `${after.lifecycle}, issuer ${after.issuerId ? toHex(after.issuerId, '') : 'none'}, sequence ${String(after.sequence)}`,
      );
      await expectRefused(
        session,
        key,
        await issuer.seal(key, 2, 'AccountCreate', { name: ctx.name('old-issuer') }),
        'SEALED_WRONG_ISSUER',
        'an item of the old issuer',
      );
      await expectApplied(session, key, await successor.seal(key, 1, 'AccountCreate', { name: ctx.name('new-issuer') }), 'the new issuer’s first item');
    },
  }),
];
