/** authenticatorReset (docs/protocol.md §9, CTAP 2.1 §6.6): only within 10 s of power-up and with a press; it erases every credential and the PIN. */
import { CtapCommand, CtapStatus, GetInfoKey, ctapMap } from '@hkey/protocol';
import { check, checkEqual } from '../../checks.js';
import { defineCase } from '../../case.js';
import { KeepaliveStatus } from './ctap-link.js';
import { FidoChannel } from './fido-channel.js';
import { pinRetries, pinToken, pinUvAuth, setPin } from './pin-client.js';
import { getAssertionParams, makeCredential, randomBytes, runRpId } from './requests.js';
import { freshSecurityKey } from './security-key-reset.js';

const needs = ['ctap-link', 'presence', 'restart'] as const;
const PIN = '2580';
/** CTAP 2.1 §6.6: Reset is refused later than this after power-up. */
const RESET_WINDOW_MS = 10_000;

const resetWithinWindowCase = defineCase({
  id: 'FIDO-19',
  group: 'fido',
  title: 'Reset within 10 s of a power cycle, with a press, erases every credential and the PIN',
  spec: '§9, CTAP 2.1 §6.6',
  needs,
  destructive: true,
  async run(ctx) {
    let channel = await freshSecurityKey(ctx);
    check((await setPin(channel, PIN)).status === CtapStatus.OK, 'setPIN OK', () => 'refused');
    const rpId = runRpId(ctx, 'reset');
    const token = await pinToken(channel, PIN);
    const clientDataHash = randomBytes(32);
    const resident = await makeCredential(channel, { rpId, clientDataHash, options: ctapMap([['rk', true]]), pinUvAuth: pinUvAuth(token, clientDataHash) });
    const plain = await makeCredential(channel, { rpId });
    channel = await FidoChannel.afterRestart(ctx);
    const reset = await channel.expectStatus(CtapCommand.Reset, undefined, CtapStatus.OK, 'Reset within 10 s of power-up, with a press', {
      presence: { kind: 'press' },
    });
    check(
      reset.keepalives.some((keepalive) => keepalive === KeepaliveStatus.UP_NEEDED),
      'Reset waiting for the button (KEEPALIVE UPNEEDED)',
      () => 'no button wait',
    );
    const info = await channel.ok(CtapCommand.GetInfo, undefined, 'GetInfo after Reset');
    const options = info.get(GetInfoKey.options);
    checkEqual(options instanceof Map ? options.get('clientPin') : undefined, false, 'options.clientPin after Reset');
    checkEqual(await pinRetries(channel), 8, 'pinRetries after Reset');
    for (const [what, id] of [
      ['the discoverable credential', resident.credentialId],
      ['the non-discoverable credential', plain.credentialId],
    ] as const) {
      await channel.expectStatus(
        CtapCommand.GetAssertion,
        getAssertionParams({ rpId, allowList: [id] }),
        CtapStatus.NO_CREDENTIALS,
        `GetAssertion with ${what} after Reset`,
        { presence: { kind: 'press' } },
      );
    }
    await channel.expectStatus(
      CtapCommand.GetAssertion,
      getAssertionParams({ rpId }),
      CtapStatus.NO_CREDENTIALS,
      'GetAssertion without an allowList after Reset',
      { presence: { kind: 'press' } },
    );
  },
});

/** Lets the 10 s window after a power cycle pass (at once on the simulator). */
export const lateResetCase = defineCase({
  id: 'FIDO-20',
  group: 'fido',
  title: 'Reset more than 10 s after power-up is answered NOT_ALLOWED without waiting for the button',
  spec: '§9, CTAP 2.1 §6.6',
  needs,
  destructive: true,
  async run(ctx) {
    const poweredAt = performance.now();
    const channel = await FidoChannel.afterRestart(ctx);
    const plain = await makeCredential(channel, { rpId: runRpId(ctx, 'late-reset') });
    await ctx.passTime(RESET_WINDOW_MS + ctx.toleranceMs + 500 - (performance.now() - poweredAt));
    await channel.expectStatus(CtapCommand.Reset, undefined, CtapStatus.NOT_ALLOWED, 'Reset 10.5 s after power-up');
    await channel.ok(
      CtapCommand.GetAssertion,
      getAssertionParams({ rpId: runRpId(ctx, 'late-reset'), allowList: [plain.credentialId] }),
      'GetAssertion with the credential made before the refused Reset',
      { presence: { kind: 'press' } },
    );
  },
});

export const resetCases = [resetWithinWindowCase, lateResetCase];
