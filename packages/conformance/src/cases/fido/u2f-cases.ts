/**
 * U2F over CTAPHID_MSG (docs/protocol.md §9, CTAP 2.1 §11.2.9.1.1, FIDO U2F Raw Message Formats v1.2): VERSION,
 * the status words for bad requests, REGISTER and AUTHENTICATE with their presence rules, signatures checked with
 * node:crypto, and the counter.
 */
import { U2F_REGISTER_ID, U2F_VERSION, U2fAuthenticateMode, U2fInstruction, U2fStatusWord, concatBytes, encodeU2fRequest } from '@hkey/protocol';
import { check, checkEqual, delay, fail, fromHex } from '../../checks.js';
import { defineCase } from '../../case.js';
import type { CaseContext } from '../../runner/case-context.js';
import { FidoChannel, type U2fAnswer } from './fido-channel.js';
import { randomBytes, rpIdHash, runRpId } from './requests.js';
import { certificate, p256KeyObject, signatureVerifies } from './verify.js';

const { NO_ERROR, CONDITIONS_NOT_SATISFIED, WRONG_DATA, WRONG_LENGTH, CLA_NOT_SUPPORTED, INS_NOT_SUPPORTED } = U2fStatusWord;
/** How long a press takes to reach a U2F key's next answer. */
const PRESS_SETTLE_MS = 2_000;

function sw(word: number): string {
  return word.toString(16).padStart(4, '0');
}

function expectWord(answer: U2fAnswer, word: number, what: string): void {
  check(answer.statusWord === word, `${what}: status word ${sw(word)}`, () => sw(answer.statusWord));
}

function apdu(ins: number, p1: number, data: Uint8Array): Uint8Array {
  return encodeU2fRequest({ cla: 0, ins, p1, p2: 0, data });
}

/**
 * U2F cannot wait for the button: a request that needs it answers 6985 until the user presses, and the host
 * repeats it (U2F Raw Message Formats §3). Sends it, presses when told 6985, and repeats until the key answers.
 */
async function withPress(ctx: CaseContext, channel: FidoChannel, request: Uint8Array, what: string): Promise<U2fAnswer> {
  const first = await channel.u2f(request);
  expectWord(first, CONDITIONS_NOT_SATISFIED, `${what} before a press`);
  expectWord(await channel.u2f(request), CONDITIONS_NOT_SATISFIED, `${what} repeated, still before a press`);
  await ctx.controller.answerPresence({ kind: 'press' });
  const deadline = performance.now() + PRESS_SETTLE_MS;
  for (;;) {
    const answer = await channel.u2f(request);
    if (answer.statusWord !== CONDITIONS_NOT_SATISFIED || performance.now() > deadline) return answer;
    await delay(50);
  }
}

interface Registration {
  readonly application: Uint8Array;
  readonly keyHandle: Uint8Array;
  readonly userKey: Uint8Array;
}

/** The length of the DER item at the start of `bytes` (the attestation certificate's own length). */
function derLength(bytes: Uint8Array): number {
  const first = bytes[1] ?? 0;
  if (bytes[0] !== 0x30 || first === 0x80) fail('an X.509 certificate (a DER SEQUENCE) after the key handle', `byte ${String(bytes[0])}`);
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  let length = 0;
  for (let index = 0; index < count; index++) length = length * 256 + (bytes[2 + index] ?? 0);
  return 2 + count + length;
}

/** REGISTER with a press; checks the response layout and the attestation signature (U2F Raw Message Formats §4.3). */
async function register(ctx: CaseContext, channel: FidoChannel, application: Uint8Array): Promise<Registration> {
  const challenge = randomBytes(32);
  const answer = await withPress(ctx, channel, apdu(U2fInstruction.REGISTER, 0, concatBytes(challenge, application)), 'REGISTER');
  expectWord(answer, NO_ERROR, 'REGISTER after a press');
  const data = answer.data;
  checkEqual(data[0], U2F_REGISTER_ID, 'the reserved first byte of the registration');
  const userKey = data.slice(1, 66);
  const handleLength = data[66] ?? 0;
  const keyHandle = data.slice(67, 67 + handleLength);
  const rest = data.subarray(67 + handleLength);
  const certificateLength = derLength(rest);
  const batch = certificate(rest.slice(0, certificateLength), 'the attestation certificate');
  const signature = rest.slice(certificateLength);
  const signed = concatBytes(Uint8Array.of(0), application, challenge, keyHandle, userKey);
  check(
    signatureVerifies(batch.publicKey, -7, signed, signature),
    'the registration signature verifying with the attestation certificate',
    () => 'it does not verify',
  );
  p256KeyObject(userKey);
  return { application, keyHandle, userKey };
}

function authenticateData(challenge: Uint8Array, registration: Registration, application = registration.application): Uint8Array {
  return concatBytes(challenge, application, Uint8Array.of(registration.keyHandle.length), registration.keyHandle);
}

export const u2fCases = [
  defineCase({
    id: 'FIDO-21',
    group: 'fido',
    title: 'U2F VERSION is "U2F_V2"; a wrong CLA is answered 6E00 (on CTAPHID), an unknown INS 6D00, wrong lengths 6700',
    spec: '§9, CTAP 2.1 §11.2.9.1.1, §11.4, U2F Raw Message Formats §3, §6',
    needs: ['ctap-link'],
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const version = await channel.u2f(fromHex('00 03 00 00'));
      expectWord(version, NO_ERROR, 'VERSION');
      checkEqual(new TextDecoder().decode(version.data), U2F_VERSION, 'the VERSION string');
      // Over BLE under FIDO2 a first byte 0x80 makes a CTAP2 request; FIDO-24 checks the CLA under U2F 1.2.
      if (!channel.link.u2fNeedsClaZero) expectWord(await channel.u2f(fromHex('80 03 00 00')), CLA_NOT_SUPPORTED, 'VERSION with CLA 80');
      expectWord(await channel.u2f(fromHex('00 09 00 00')), INS_NOT_SUPPORTED, 'INS 09');
      expectWord(await channel.u2f(apdu(U2fInstruction.REGISTER, 0, randomBytes(63))), WRONG_LENGTH, 'REGISTER with 63 bytes of data');
      expectWord(await channel.u2f(apdu(U2fInstruction.VERSION, 0, Uint8Array.of(1))), WRONG_LENGTH, 'VERSION with data');
      expectWord(await channel.u2f(fromHex('00 01 00 00 00 00 40 01 02')), WRONG_LENGTH, 'an APDU whose Lc says 64 bytes and carries 2');
    },
  }),
  defineCase({
    id: 'FIDO-22',
    group: 'fido',
    title: 'U2F REGISTER answers 6985 until a press, then a registration whose signature verifies with its attestation certificate',
    spec: '§9, U2F Raw Message Formats §4',
    needs: ['ctap-link', 'presence'],
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      await register(ctx, channel, rpIdHash(runRpId(ctx, 'u2f-register')));
    },
  }),
  defineCase({
    id: 'FIDO-23',
    group: 'fido',
    title:
      'U2F AUTHENTICATE: check-only 6985, another application 6A80; enforce after a press sets flag 1, dont-enforce flag 0; ' +
      'the counter rises; signatures verify',
    spec: '§9, U2F Raw Message Formats §5',
    needs: ['ctap-link', 'presence'],
    async run(ctx) {
      const channel = await FidoChannel.open(ctx);
      const registration = await register(ctx, channel, rpIdHash(runRpId(ctx, 'u2f-login')));
      const otherApplication = rpIdHash(runRpId(ctx, 'u2f-other'));
      expectWord(
        await channel.u2f(apdu(U2fInstruction.AUTHENTICATE, U2fAuthenticateMode.CHECK_ONLY, authenticateData(randomBytes(32), registration))),
        CONDITIONS_NOT_SATISFIED,
        'check-only with its own key handle',
      );
      expectWord(
        await channel.u2f(apdu(U2fInstruction.AUTHENTICATE, U2fAuthenticateMode.CHECK_ONLY, authenticateData(randomBytes(32), registration, otherApplication))),
        WRONG_DATA,
        'check-only for another application',
      );
      expectWord(
        await channel.u2f(
          apdu(U2fInstruction.AUTHENTICATE, U2fAuthenticateMode.ENFORCE_USER_PRESENCE, authenticateData(randomBytes(32), registration, otherApplication)),
        ),
        WRONG_DATA,
        'enforce for another application',
      );
      const userKey = p256KeyObject(registration.userKey);
      const counters: number[] = [];
      for (const [mode, flag] of [
        [U2fAuthenticateMode.ENFORCE_USER_PRESENCE, 1],
        [U2fAuthenticateMode.DONT_ENFORCE_USER_PRESENCE, 0],
      ] as const) {
        const challenge = randomBytes(32);
        const request = apdu(U2fInstruction.AUTHENTICATE, mode, authenticateData(challenge, registration));
        const answer =
          mode === U2fAuthenticateMode.ENFORCE_USER_PRESENCE ? await withPress(ctx, channel, request, 'AUTHENTICATE enforce') : await channel.u2f(request);
        expectWord(answer, NO_ERROR, `AUTHENTICATE with P1 ${mode}`);
        check(answer.data.length > 5, 'flags, a 4-byte counter and a signature', () => `${answer.data.length} bytes`);
        checkEqual(answer.data[0], flag, `the user-presence byte for P1 0x0${mode}`);
        counters.push(new DataView(answer.data.buffer, answer.data.byteOffset + 1, 4).getUint32(0));
        const signed = concatBytes(registration.application, answer.data.subarray(0, 5), challenge);
        check(
          signatureVerifies(userKey, -7, signed, answer.data.subarray(5)),
          'the signature verifying with the registered user key',
          () => `P1 0x0${mode}: it does not verify`,
        );
      }
      check((counters[1] as number) > (counters[0] as number), 'the counter rising with each authentication', () => counters.join(', '));
    },
  }),
];
