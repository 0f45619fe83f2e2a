/**
 * The FIDO PIN (docs/protocol.md §9, CTAP 2.1 §6.5): retries, setPIN and its policy, wrong PINs and the power-cycle
 * block, pinUvAuthTokens with protocols 1 and 2 and their permissions, and credProtect level 3. Each case starts
 * and ends with authenticatorReset, which is how CTAP removes a PIN.
 */
import { AuthenticatorDataFlag, CredProtect, CtapCommand, CtapStatus, GetInfoKey, PinPermission, ctapMap } from '@hkey/protocol';
import { check, checkEqual } from '../../checks.js';
import { defineCase } from '../../case.js';
import { FidoChannel, ctapStatusText } from './fido-channel.js';
import { pinRetries, pinToken, pinUvAuth, requestToken, setPin } from './pin-client.js';
import { flagNames, getAssertion, getAssertionParams, makeCredential, makeCredentialParams, randomBytes, runRpId } from './requests.js';
import { freshSecurityKey } from './security-key-reset.js';

const needs = ['ctap-link', 'presence', 'restart'] as const;
/** The suite's test PIN and a wrong one. */
const PIN = '2580';
const WRONG_PIN = '0852';
const { UP, UV, AT, ED } = AuthenticatorDataFlag;

async function clientPinOption(channel: FidoChannel): Promise<unknown> {
  const info = await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo');
  const options = info.get(GetInfoKey.options);
  return options instanceof Map ? options.get('clientPin') : undefined;
}

async function expectTokenStatus(channel: FidoChannel, pin: string, status: number, what: string): Promise<void> {
  const { answer } = await requestToken(channel, pin);
  check(answer.status === status, `${what}: ${ctapStatusText(status)}`, () => ctapStatusText(answer.status));
}

export const pinCases = [
  defineCase({
    id: 'FIDO-13',
    group: 'fido',
    title:
      'A fresh key has 8 PIN retries and no PIN; setPIN refuses a 3-character PIN (PIN_POLICY_VIOLATION), sets a 4-character one, then answers NOT_ALLOWED',
    spec: '§9, CTAP 2.1 §6.5.5.2, §6.5.5.5, §6.4',
    needs,
    destructive: true,
    async run(ctx) {
      const channel = await freshSecurityKey(ctx);
      checkEqual(await pinRetries(channel), 8, 'pinRetries');
      checkEqual(await clientPinOption(channel), false, 'GetInfo options.clientPin');
      const short = await setPin(channel, '258');
      check(short.status === CtapStatus.PIN_POLICY_VIOLATION, `setPIN with 3 characters: ${ctapStatusText(CtapStatus.PIN_POLICY_VIOLATION)}`, () =>
        ctapStatusText(short.status),
      );
      const set = await setPin(channel, PIN, 1);
      check(set.status === CtapStatus.OK, 'setPIN with 4 characters (protocol 1): OK', () => ctapStatusText(set.status));
      checkEqual(await clientPinOption(channel), true, 'GetInfo options.clientPin');
      const again = await setPin(channel, WRONG_PIN);
      check(again.status === CtapStatus.NOT_ALLOWED, `a second setPIN: ${ctapStatusText(CtapStatus.NOT_ALLOWED)}`, () => ctapStatusText(again.status));
      await pinToken(channel, PIN);
      checkEqual(await pinRetries(channel), 8, 'pinRetries after the right PIN');
    },
  }),
  defineCase({
    id: 'FIDO-14',
    group: 'fido',
    title: 'A wrong PIN is answered PIN_INVALID and costs a retry; the third in a row PIN_AUTH_BLOCKED, even for the right PIN, until a power cycle',
    spec: '§9, CTAP 2.1 §6.5.5.7, §6.5.5.2',
    needs,
    destructive: true,
    async run(ctx) {
      let channel = await freshSecurityKey(ctx);
      check((await setPin(channel, PIN)).status === CtapStatus.OK, 'setPIN OK', () => 'refused');
      await expectTokenStatus(channel, WRONG_PIN, CtapStatus.PIN_INVALID, 'a token for a wrong PIN');
      checkEqual(await pinRetries(channel), 7, 'pinRetries after one wrong PIN');
      await pinToken(channel, PIN);
      checkEqual(await pinRetries(channel), 8, 'pinRetries after the right PIN');
      await expectTokenStatus(channel, WRONG_PIN, CtapStatus.PIN_INVALID, 'the first wrong PIN in a row');
      await expectTokenStatus(channel, WRONG_PIN, CtapStatus.PIN_INVALID, 'the second wrong PIN in a row');
      await expectTokenStatus(channel, WRONG_PIN, CtapStatus.PIN_AUTH_BLOCKED, 'the third wrong PIN in a row');
      checkEqual(await pinRetries(channel), 5, 'pinRetries after three wrong PINs');
      await expectTokenStatus(channel, PIN, CtapStatus.PIN_AUTH_BLOCKED, 'the right PIN before a power cycle');
      channel = await FidoChannel.afterRestart(ctx);
      await pinToken(channel, PIN);
      checkEqual(await pinRetries(channel), 8, 'pinRetries after the right PIN following a power cycle');
    },
  }),
  defineCase({
    id: 'FIDO-15',
    group: 'fido',
    title:
      'Tokens of protocols 1 and 2 give UV; a wrong pinUvAuthParam or a token without the mc permission is PIN_AUTH_INVALID; rk without a token PUAT_REQUIRED',
    spec: '§9, CTAP 2.1 §6.5.5.7, §6.5.6, §6.5.7, §6.1.2 steps 6 and 11',
    needs,
    destructive: true,
    async run(ctx) {
      const channel = await freshSecurityKey(ctx);
      check((await setPin(channel, PIN)).status === CtapStatus.OK, 'setPIN OK', () => 'refused');
      for (const version of [1, 2] as const) {
        const rpId = runRpId(ctx, `token${version}`);
        const token = await pinToken(channel, PIN, { version });
        const clientDataHash = randomBytes(32);
        const made = await makeCredential(channel, { rpId, clientDataHash, pinUvAuth: pinUvAuth(token, clientDataHash) });
        check(made.authData.flags === (UP | UV | AT), `MakeCredential with a protocol ${version} token: ${flagNames(UP | UV | AT)}`, () =>
          flagNames(made.authData.flags),
        );
        const assertionHash = randomBytes(32);
        const assertion = await getAssertion(channel, {
          rpId,
          clientDataHash: assertionHash,
          allowList: [made.credentialId],
          pinUvAuth: pinUvAuth(token, assertionHash),
        });
        check(assertion.authData.flags === (UP | UV), `GetAssertion with a protocol ${version} token: ${flagNames(UP | UV)}`, () =>
          flagNames(assertion.authData.flags),
        );
        const forged = pinUvAuth(token, clientDataHash);
        forged.param[0] = (forged.param[0] as number) ^ 0x01;
        await channel.expectStatus(
          CtapCommand.MakeCredential,
          makeCredentialParams({ rpId, clientDataHash, pinUvAuth: forged }),
          CtapStatus.PIN_AUTH_INVALID,
          `MakeCredential with an altered protocol ${version} pinUvAuthParam`,
        );
      }
      const rpId = runRpId(ctx, 'permissions');
      await channel.expectStatus(
        CtapCommand.MakeCredential,
        makeCredentialParams({ rpId, options: ctapMap([['rk', true]]) }),
        CtapStatus.PUAT_REQUIRED,
        'a discoverable MakeCredential without a token while a PIN is set',
      );
      const assertOnly = await pinToken(channel, PIN, { permissions: PinPermission.getAssertion, rpId });
      const clientDataHash = randomBytes(32);
      await channel.expectStatus(
        CtapCommand.MakeCredential,
        makeCredentialParams({ rpId, clientDataHash, pinUvAuth: pinUvAuth(assertOnly, clientDataHash) }),
        CtapStatus.PIN_AUTH_INVALID,
        'MakeCredential with a token granting getAssertion only',
      );
    },
  }),
  defineCase({
    id: 'FIDO-16',
    group: 'fido',
    title: 'A credProtect level 3 credential asserts only with user verification: NO_CREDENTIALS without a token',
    spec: '§9, CTAP 2.1 §12.1, §6.2.2 step 7',
    needs,
    destructive: true,
    async run(ctx) {
      const channel = await freshSecurityKey(ctx);
      check((await setPin(channel, PIN)).status === CtapStatus.OK, 'setPIN OK', () => 'refused');
      const rpId = runRpId(ctx, 'protect');
      const token = await pinToken(channel, PIN);
      const clientDataHash = randomBytes(32);
      const made = await makeCredential(channel, {
        rpId,
        clientDataHash,
        pinUvAuth: pinUvAuth(token, clientDataHash),
        extensions: ctapMap([['credProtect', CredProtect.userVerificationRequired]]),
      });
      check(made.authData.flags === (UP | UV | AT | ED), `the credential: ${flagNames(UP | UV | AT | ED)}`, () => flagNames(made.authData.flags));
      checkEqual(made.authData.extensions?.get('credProtect'), CredProtect.userVerificationRequired, 'the extension output credProtect');
      await channel.expectStatus(
        CtapCommand.GetAssertion,
        getAssertionParams({ rpId, allowList: [made.credentialId] }),
        CtapStatus.NO_CREDENTIALS,
        'GetAssertion without user verification',
        { presence: { kind: 'press' } },
      );
      const assertionHash = randomBytes(32);
      const assertion = await getAssertion(channel, {
        rpId,
        clientDataHash: assertionHash,
        allowList: [made.credentialId],
        pinUvAuth: pinUvAuth(token, assertionHash),
      });
      check(assertion.authData.flags === (UP | UV), `GetAssertion with a token: ${flagNames(UP | UV)}`, () => flagNames(assertion.authData.flags));
    },
  }),
];
