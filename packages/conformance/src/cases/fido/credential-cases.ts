/**
 * Credentials and assertions (docs/protocol.md §9, CTAP 2.1 §6.1, §6.2, WebAuthn Level 2 §6.1, §8.2): the layout
 * and flags of authenticatorData, the counter, packed attestation and assertion signatures checked with node:crypto,
 * excludeList and allowList, and hmac-secret. Non-discoverable credentials only: they leave nothing on the key.
 */
import { AuthenticatorDataFlag, CtapCommand, CtapStatus, concatBytes, ctapMap } from '@hkey/protocol';
import { check, describeBytes, fail, sameBytes } from '../../checks.js';
import { defineCase } from '../../case.js';
import { KeepaliveStatus } from './ctap-link.js';
import { FidoChannel } from './fido-channel.js';
import { agree } from './pin-client.js';
import {
  type Assertion,
  flagNames,
  getAssertion,
  getAssertionParams,
  makeCredential,
  makeCredentialParams,
  randomBytes,
  rpIdHash,
  runRpId,
} from './requests.js';
import { certificate, coseKeyObject, signatureVerifies } from './verify.js';

const needs = ['ctap-link', 'presence'] as const;
const { UP, AT, ED } = AuthenticatorDataFlag;

function checkFlags(flags: number, expected: number, what: string): void {
  check(flags === expected, `${what}: ${flagNames(expected)}`, () => flagNames(flags));
}

/** The hmac-secret output for `salt` from one assertion (CTAP 2.1 §12.5), decrypted. */
async function hmacSecret(channel: FidoChannel, rpId: string, credentialId: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
  const { protocol, sharedSecret, platformKey } = await agree(channel, 2);
  const saltEnc = await protocol.encrypt(sharedSecret, salt, randomBytes(16));
  const input = ctapMap([
    [1, platformKey],
    [2, saltEnc],
    [3, protocol.authenticate(sharedSecret, saltEnc)],
    [4, 2],
  ]);
  const assertion = await getAssertion(channel, { rpId, allowList: [credentialId], extensions: ctapMap([['hmac-secret', input]]) });
  checkFlags(assertion.authData.flags, UP | ED, 'an assertion with hmac-secret output');
  const output = assertion.authData.extensions?.get('hmac-secret');
  if (!(output instanceof Uint8Array)) fail('the extension output "hmac-secret" as a byte string', String(output));
  const secret = await protocol.decrypt(sharedSecret, output);
  check(secret !== undefined && secret.length === 32, 'hmac-secret output decrypting to 32 bytes for one salt', () => `${output.length} encrypted bytes`);
  return secret;
}

export const credentialCases = [
  defineCase({
    id: 'FIDO-09',
    group: 'fido',
    title: 'MakeCredential: rpIdHash, flags UP and AT only, the AAGUID, and a packed attestation that verifies against the batch certificate in x5c',
    spec: '§9, CTAP 2.1 §6.1.2, WebAuthn §6.1, §8.2',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const rpId = runRpId(ctx, 'attest');
      const info = await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo');
      const clientDataHash = randomBytes(32);
      const made = await makeCredential(channel, { rpId, clientDataHash });
      check(sameBytes(made.authData.rpIdHash, rpIdHash(rpId)), 'rpIdHash = SHA-256 of the RP id', () => describeBytes(made.authData.rpIdHash));
      checkFlags(made.authData.flags, UP | AT, 'a credential made with a press, no PIN and no extensions');
      const aaguid = info.get(3);
      check(
        aaguid instanceof Uint8Array && sameBytes(made.authData.attested?.aaguid ?? new Uint8Array(0), aaguid),
        'the AAGUID of GetInfo in the attested credential data',
        () => describeBytes(made.authData.attested?.aaguid ?? new Uint8Array(0)),
      );
      coseKeyObject(made.publicKey);
      check(made.fmt === 'packed', 'attestation format "packed"', () => made.fmt);
      const { attStmt } = made;
      const sig = attStmt.get('sig');
      const x5c = attStmt.get('x5c');
      check(attStmt.get('alg') === -7, 'attStmt.alg -7 (ES256)', () => String(attStmt.get('alg')));
      if (!(sig instanceof Uint8Array)) fail('attStmt.sig as a byte string', String(sig));
      if (!Array.isArray(x5c) || !(x5c[0] instanceof Uint8Array)) fail('attStmt.x5c as an array of DER certificates (full attestation)', String(x5c));
      const batch = certificate(x5c[0], 'x5c[0]');
      check(!batch.ca, 'a batch certificate that is no CA (WebAuthn §8.2.1)', () => 'CA=true');
      check(/OU=Authenticator Attestation/.test(batch.subject), 'subject OU "Authenticator Attestation" (WebAuthn §8.2.1)', () =>
        batch.subject.replace(/\n/g, ', '),
      );
      check(
        signatureVerifies(batch.publicKey, -7, concatBytes(made.authDataBytes, clientDataHash), sig),
        'attStmt.sig over authenticatorData || clientDataHash verifying with the x5c[0] public key',
        () => 'the signature does not verify',
      );
    },
  }),
  defineCase({
    id: 'FIDO-10',
    group: 'fido',
    title: "GetAssertion: the counter rises strictly, flags UP only (none with up=false), and the signature verifies with the credential's public key",
    spec: '§9, CTAP 2.1 §6.2.2, WebAuthn §6.1, §6.1.1',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const rpId = runRpId(ctx, 'assert');
      const made = await makeCredential(channel, { rpId });
      const hashes = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const assertions: Assertion[] = [];
      for (const clientDataHash of hashes.slice(0, 2)) assertions.push(await getAssertion(channel, { rpId, clientDataHash, allowList: [made.credentialId] }));
      assertions.push(await getAssertion(channel, { rpId, clientDataHash: hashes[2], allowList: [made.credentialId], options: ctapMap([['up', false]]) }, {}));
      const counters = [made.authData.signCount, ...assertions.map((assertion) => assertion.authData.signCount)];
      check(
        counters.every((count, index) => index === 0 || count > (counters[index - 1] as number)),
        'signCount rising strictly with every signature',
        () => counters.join(', '),
      );
      const { key, alg } = coseKeyObject(made.publicKey);
      for (const [index, assertion] of assertions.entries()) {
        check(sameBytes(assertion.credentialId, made.credentialId), 'the credential of the allowList', () => describeBytes(assertion.credentialId));
        check(sameBytes(assertion.authData.rpIdHash, rpIdHash(rpId)), 'rpIdHash = SHA-256 of the RP id', () => describeBytes(assertion.authData.rpIdHash));
        checkFlags(assertion.authData.flags, index < 2 ? UP : 0, index < 2 ? 'an assertion with a press' : 'an assertion with up=false');
        check(
          signatureVerifies(key, alg, concatBytes(assertion.authDataBytes, hashes[index] as Uint8Array), assertion.signature),
          'the signature over authenticatorData || clientDataHash verifying with the credential public key',
          () => `assertion ${index + 1} does not verify`,
        );
      }
    },
  }),
  defineCase({
    id: 'FIDO-11',
    group: 'fido',
    title: 'excludeList naming a credential of the key is answered CREDENTIAL_EXCLUDED after a press; an allowList of foreign or edited ids NO_CREDENTIALS',
    spec: '§9, CTAP 2.1 §6.1.2 step 7, §6.2.2 step 7',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const rpId = runRpId(ctx, 'exclude');
      const made = await makeCredential(channel, { rpId });
      const excluded = await channel.expectStatus(
        CtapCommand.MakeCredential,
        makeCredentialParams({ rpId, excludeList: [randomBytes(32), made.credentialId] }),
        CtapStatus.CREDENTIAL_EXCLUDED,
        'MakeCredential excluding the credential',
        { presence: { kind: 'press' } },
      );
      check(
        excluded.keepalives.some((keepalive) => keepalive === KeepaliveStatus.UP_NEEDED),
        'the button asked for before CREDENTIAL_EXCLUDED (CTAP 2.1 §6.1.2 step 7)',
        () => 'no KEEPALIVE UPNEEDED',
      );
      await makeCredential(channel, { rpId: runRpId(ctx, 'exclude-other'), excludeList: [made.credentialId] });
      const edited = made.credentialId.slice();
      edited[0] = (edited[0] as number) ^ 0x01;
      const foreign = randomBytes(made.credentialId.length);
      for (const [what, id] of [
        ['an edited id', edited],
        ['a foreign id', foreign],
      ] as const) {
        await channel.expectStatus(
          CtapCommand.GetAssertion,
          getAssertionParams({ rpId, allowList: [id] }),
          CtapStatus.NO_CREDENTIALS,
          `GetAssertion with ${what}`,
          { presence: { kind: 'press' } },
        );
      }
      await channel.expectStatus(
        CtapCommand.GetAssertion,
        getAssertionParams({ rpId: runRpId(ctx, 'exclude-other'), allowList: [made.credentialId] }),
        CtapStatus.NO_CREDENTIALS,
        'GetAssertion with the id for another RP',
        { presence: { kind: 'press' } },
      );
    },
  }),
  defineCase({
    id: 'FIDO-12',
    group: 'fido',
    title: 'hmac-secret: outputs differ by salt and by credential, and stay the same for a credential and salt',
    spec: '§9, CTAP 2.1 §12.5',
    needs,
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const rpId = runRpId(ctx, 'hmac');
      const extensions = ctapMap([['hmac-secret', true]]);
      const first = await makeCredential(channel, { rpId, extensions });
      checkFlags(first.authData.flags, UP | AT | ED, 'a credential made with hmac-secret');
      check(first.authData.extensions?.get('hmac-secret') === true, 'the extension output "hmac-secret": true', () =>
        String(first.authData.extensions?.get('hmac-secret')),
      );
      const second = await makeCredential(channel, { rpId, extensions });
      const [saltA, saltB] = [randomBytes(32), randomBytes(32)];
      const a1 = await hmacSecret(channel, rpId, first.credentialId, saltA);
      const a2 = await hmacSecret(channel, rpId, first.credentialId, saltA);
      const b1 = await hmacSecret(channel, rpId, first.credentialId, saltB);
      const otherCredential = await hmacSecret(channel, rpId, second.credentialId, saltA);
      check(sameBytes(a1, a2), 'the same output for the same credential and salt', () => 'two different outputs');
      check(!sameBytes(a1, b1), 'different outputs for different salts', () => 'the same output');
      check(!sameBytes(a1, otherCredential), 'different outputs for different credentials', () => 'the same output');
    },
  }),
];
